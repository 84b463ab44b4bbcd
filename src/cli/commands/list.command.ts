import { Option, type Command } from 'commander';
import { TASK_STATES } from '../arguments';
import { JSON_FLAG, JSON_FLAG_HELP, type Cli, type JsonFlag } from '../cli';
import { renderTaskTable } from '../format/task-format';
import { listTaskViews } from '../../operations/task-answers';
import type { TaskState } from '../../store/operations-store';
import { show } from '../output';
import { withSession } from '../session';
import { cursorOption, limitOption, renderPage, type PageFlags } from './paging';

interface ListFlags extends JsonFlag, PageFlags {
  readonly state: TaskState;
  readonly name?: string;
}

export function addListCommand(program: Command, cli: Cli): void {
  program
    .command('list')
    .summary('list the tasks in one state, a page at a time')
    .description(
      'List the tasks in one state, a page at a time, oldest first (by due time, start, failure, ' +
        'cancellation or completion).',
    )
    .addOption(
      new Option('--state <state>', 'which tasks').choices(TASK_STATES).makeOptionMandatory(),
    )
    .option('--name <name>', 'only tasks of this task name (filters within each page)')
    .addOption(limitOption(50))
    .addOption(cursorOption())
    .option(JSON_FLAG, `${JSON_FLAG_HELP}: {"tasks": [...], "cursor": next page or null}`)
    .addHelpText(
      'after',
      `
Pending lists the tasks waiting in Redis; those an instance has claimed and is about to run show
only once they run. A page ends with the cursor of the next one.

Example:
  $ delaytask list --state failed --limit 20`,
    )
    .action(async (flags: ListFlags) => {
      const page = await withSession(cli.env, (session) =>
        listTaskViews(session.operations, {
          state: flags.state,
          name: flags.name,
          limit: flags.limit,
          cursor: flags.cursor === undefined ? undefined : String(flags.cursor),
        }),
      );
      show(cli.io, flags.json === true, page, () =>
        renderPage(page.tasks, page.cursor, `${flags.state} tasks`, renderTaskTable),
      );
    });
}
