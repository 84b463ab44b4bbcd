import { CliError, ExitCode } from '../cli-error';

/** Redis knows no such task (never stored, or done and forgotten since). */
export function taskNotFound(id: string): CliError {
  return new CliError(ExitCode.notFound, `no task ${JSON.stringify(id)} is known`);
}

/** The task is there, but not in a state the command applies to. */
export function taskConflict(id: string, problem: string): CliError {
  return new CliError(ExitCode.conflict, `task ${JSON.stringify(id)} ${problem}`);
}
