import { CommanderError } from 'commander';
import { printable } from '../logging/printable';
import type { Cli } from './cli';
import { CliError, ExitCode, reasonOf } from './cli-error';
import { buildProgram } from './program';

/**
 * Runs one command line (the arguments after `delaytask`) and returns the exit code. Commander has
 * printed its own usage errors and help already; the CLI's errors are printed here, one line on
 * stderr, escaped like any outside text.
 */
export async function runCli(args: readonly string[], cli: Cli): Promise<number> {
  try {
    await buildProgram(cli).parseAsync(args, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      cli.io.stderr(`delaytask: ${printable(error.message)}\n`);
      return error.exitCode;
    }
    cli.io.stderr(`delaytask: unexpected error: ${printable(reasonOf(error))}\n`);
    return ExitCode.invalid;
  }
}
