/** What the CLI's exit code tells a script. */
export const ExitCode = {
  ok: 0,
  /** A usage error, or input the CLI or the engine refuses (a task, a setting). */
  invalid: 1,
  notFound: 2,
  /** The task is not in a state the command applies to (cancel a done task, requeue a pending one). */
  conflict: 3,
  /** Redis could not be reached, or refused the URL's credentials, database or a command. */
  redis: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: its message is printed as is and the CLI exits with its code. */
export class CliError extends Error {
  override readonly name = 'CliError';

  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** An error's own words: its message (whichever realm made it), else its text. */
export function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const { message } = error;
    if (typeof message === 'string') return message;
  }
  return String(error);
}
