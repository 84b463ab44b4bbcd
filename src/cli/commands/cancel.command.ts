import type { Command } from 'commander';
import { JSON_FLAG, JSON_FLAG_HELP, type Cli, type JsonFlag } from '../cli';
import { renderTask } from '../format/task-format';
import { cancelTaskView } from '../../operations/task-answers';
import { show } from '../output';
import { withSession } from '../session';
import { taskConflict, taskNotFound } from './task-errors';

export function addCancelCommand(program: Command, cli: Cli): void {
  program
    .command('cancel')
    .summary('cancel a pending, running or failed task')
    .description(
      'Cancel a pending, running or failed task and show it: it never runs again (nor any later ' +
        'occurrence of a periodic one), and a running handler has its signal aborted on ' +
        'whichever instance runs it. It is kept as cancelled, and can be requeued.',
    )
    .argument('<id>', "the task's ID")
    .option(JSON_FLAG, JSON_FLAG_HELP)
    .addHelpText('after', '\nA task that is already done cannot be cancelled: that exits 3.')
    .action(async (id: string, flags: JsonFlag) => {
      const answer = await withSession(cli.env, (session) =>
        cancelTaskView(session.operations, id),
      );
      if (answer.outcome === 'notFound') throw taskNotFound(id);
      if (answer.outcome === 'done') throw taskConflict(id, 'is done: there is nothing to cancel');
      show(cli.io, flags.json === true, answer.task, () => renderTask(answer.task));
    });
}
