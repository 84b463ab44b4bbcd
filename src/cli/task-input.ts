import { CliError, ExitCode, reasonOf } from './cli-error';
import type { CliIo } from './output';

/**
 * The `schedule` argument: JSON text as given, `@path` the text of a file, `@-` standard input.
 * No JSON text starts with `@`, so the forms cannot be confused. The text is kept exactly (a
 * task without `ID` is named by it), trailing newline included.
 */
export async function readTaskText(argument: string, io: CliIo): Promise<string> {
  if (!argument.startsWith('@')) return argument;
  const path = argument.slice(1);
  if (path === '-') return io.readStdin();
  if (path === '') throw new CliError(ExitCode.invalid, 'give a file after @ (or @- for stdin).');
  try {
    return io.readFile(path);
  } catch (error) {
    throw new CliError(ExitCode.invalid, `cannot read the task: ${reasonOf(error)}`);
  }
}
