import { Command } from 'commander';
import type { Cli } from './cli';
import { addCancelCommand } from './commands/cancel.command';
import { addDeadCommand } from './commands/dead.command';
import { addGetCommand } from './commands/get.command';
import { addListCommand } from './commands/list.command';
import { addRequeueCommand } from './commands/requeue.command';
import { addScheduleCommand } from './commands/schedule.command';
import { addStatsCommand } from './commands/stats.command';

const HELP_AFTER = `
Settings come from the environment, read and checked as the service reads them, with a .env file
of the working directory (a variable already set wins):
  REDIS_URL         redis://[user:password@]host[:port][/db], or rediss:// for TLS
                    (default redis://127.0.0.1:6379; the password is never printed), or
                    redis+sentinel://[user:password@]host:port[,host:port…]/<master>[/<db>]
  REDIS_CLUSTER_NODES
                    a Redis Cluster's seed nodes, host:port,host:port (redis:// or rediss://
                    and user:password@ may come first); REDIS_URL is then not used
  REDIS_CA_FILE     the PEM certificate authority of a rediss:// server
  DELAYTASK_PREFIX  the deployment's key prefix (default remote-task0:)
  DELAYTASK_*       the service's limits; schedule checks tasks against them

Exit codes:
  0  done
  1  usage error or invalid input (a refused task, a bad setting)
  2  no such task
  3  the task's state does not allow it (cancel a done task, requeue a pending one)
  4  Redis is unreachable, or refused the URL's password or database, or a command

Results go to stdout (a table, or JSON with --json); notes and errors to stderr.`;

/**
 * The `delaytask` command line: every command reads or changes the deployment's state in Redis
 * directly, so it works whether or not an instance runs. Commander reports usage errors; with
 * `exitOverride` they come back to runCli as errors instead of ending the process.
 */
export function buildProgram(cli: Cli): Command {
  const program = new Command('delaytask')
    .description(
      'Operate the delayed and periodic tasks of a delaytask deployment: schedule, inspect, ' +
        'cancel, list, requeue, count, and read the dead letters. It talks to Redis directly; ' +
        'no instance needs to run.',
    )
    // Set before the commands are added, which inherit them.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => cli.io.stdout(text),
      writeErr: (text) => cli.io.stderr(text),
    })
    .showHelpAfterError(
      '(delaytask --help lists the commands, delaytask <command> --help explains one)',
    )
    .addHelpText('after', HELP_AFTER);
  for (const add of [
    addScheduleCommand,
    addGetCommand,
    addCancelCommand,
    addListCommand,
    addRequeueCommand,
    addStatsCommand,
    addDeadCommand,
  ]) {
    add(program, cli);
  }
  return program;
}
