import type { Command } from 'commander';
import { CliError, ExitCode } from '../cli-error';
import { JSON_FLAG, JSON_FLAG_HELP, type Cli, type JsonFlag } from '../cli';
import { renderFields } from '../format/table';
import { show } from '../output';
import { scheduleOutside } from '../../operations/schedule-outside';
import { withSession } from '../session';
import { readTaskText } from '../task-input';

export function addScheduleCommand(program: Command, cli: Cli): void {
  program
    .command('schedule')
    .summary('store a task (JSON text, @file or @-) and say how it was taken')
    .description(
      'Store a task in the wire format, checked as the service checks a published one, and say ' +
        'how it was taken: stored, rescheduled (the ID held other content), duplicate (nothing ' +
        'changed) or completed (it already ran). Any Name is taken, since only the instances ' +
        'know their handlers: a task whose Name none registers fails when due.',
    )
    .argument('<task>', 'the task as JSON text, @file to read it from a file, @- from stdin')
    .option(JSON_FLAG, JSON_FLAG_HELP)
    .addHelpText(
      'after',
      `
Examples:
  $ delaytask schedule '{"ID":"42","Name":"OncePingTask","ToRunAfter":"60","Url":"http://127.0.0.1:8080/"}'
  $ delaytask schedule @task.json --json

A refused task exits 1 with the reason, as the service would have dead-lettered it.`,
    )
    .action(async (argument: string, flags: JsonFlag) => {
      const text = await readTaskText(argument, cli.io);
      const outcome = await withSession(cli.env, (session) =>
        scheduleOutside(session.tasks, session.options, text),
      );
      if (!outcome.accepted)
        throw new CliError(ExitCode.invalid, `task refused: ${outcome.reason}`);
      const { task } = outcome;
      if (!outcome.namesChecked && (task.status === 'stored' || task.status === 'rescheduled')) {
        cli.io.stderr(
          `delaytask: note: no instance has registered its task names yet; ${JSON.stringify(outcome.name)} ` +
            'runs only if one registers it, else it fails when due (delaytask list --state failed)\n',
        );
      }
      show(cli.io, flags.json === true, task, () =>
        renderFields([
          ['id', task.id],
          ['status', task.status],
        ]),
      );
    });
}
