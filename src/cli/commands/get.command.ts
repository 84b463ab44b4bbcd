import type { Command } from 'commander';
import { JSON_FLAG, JSON_FLAG_HELP, type Cli, type JsonFlag } from '../cli';
import { renderTask } from '../format/task-format';
import { inspectTaskView } from '../../operations/task-answers';
import { show } from '../output';
import { withSession } from '../session';
import { taskNotFound } from './task-errors';

export function addGetCommand(program: Command, cli: Cli): void {
  program
    .command('get')
    .summary('show one task')
    .description(
      'Show a task: its state (pending, running, failed, cancelled or done), when it is due or ' +
        'finished, its attempts, last error and payload.',
    )
    .argument('<id>', "the task's ID")
    .option(JSON_FLAG, JSON_FLAG_HELP)
    .action(async (id: string, flags: JsonFlag) => {
      const task = await withSession(cli.env, (session) => inspectTaskView(session.operations, id));
      if (!task) throw taskNotFound(id);
      show(cli.io, flags.json === true, task, () => renderTask(task));
    });
}
