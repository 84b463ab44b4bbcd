import type { Command } from 'commander';
import { JSON_FLAG, JSON_FLAG_HELP, type Cli, type JsonFlag } from '../cli';
import { renderTask } from '../format/task-format';
import { requeueTaskView } from '../../operations/task-answers';
import { show } from '../output';
import { withSession } from '../session';
import { taskConflict, taskNotFound } from './task-errors';

export function addRequeueCommand(program: Command, cli: Cli): void {
  program
    .command('requeue')
    .summary('make a failed or cancelled task pending again')
    .description(
      'Make a failed or cancelled task pending again, due now (by the Redis clock), with its ' +
        'attempts reset, and show it.',
    )
    .argument('<id>', "the task's ID")
    .option(JSON_FLAG, JSON_FLAG_HELP)
    .addHelpText(
      'after',
      '\nA task that is pending, running or done cannot be requeued: that exits 3.',
    )
    .action(async (id: string, flags: JsonFlag) => {
      const answer = await withSession(cli.env, (session) =>
        requeueTaskView(session.operations, id),
      );
      if (answer.outcome === 'notFound') throw taskNotFound(id);
      if (answer.outcome === 'notFinished' || answer.outcome === 'done') {
        throw taskConflict(
          id,
          `is ${answer.task.state}: only failed or cancelled tasks are requeued`,
        );
      }
      show(cli.io, flags.json === true, answer.task, () => renderTask(answer.task));
    });
}
