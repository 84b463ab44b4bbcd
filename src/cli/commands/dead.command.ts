import type { Command } from 'commander';
import { JSON_FLAG, JSON_FLAG_HELP, type Cli, type JsonFlag } from '../cli';
import { readDeadLetters } from '../dead-letters';
import { renderDeadLetters } from '../format/dead-letter-format';
import { show } from '../output';
import { withSession } from '../session';
import { cursorOption, limitOption, renderPage, type PageFlags } from './paging';

export function addDeadCommand(program: Command, cli: Cli): void {
  program
    .command('dead')
    .summary('list the dead letters with their reasons')
    .description(
      'List the dead letters, newest first: the messages the service refused, with the reason ' +
        'and the message as received (cut to fit in the table; whole with --json).',
    )
    .addOption(limitOption(20))
    .addOption(cursorOption())
    .option(JSON_FLAG, `${JSON_FLAG_HELP}: {"entries": [...], "cursor": next page or null}`)
    .action(async (flags: JsonFlag & PageFlags) => {
      const page = await withSession(cli.env, (session) =>
        readDeadLetters(session.redis, session.keys, flags.limit, flags.cursor),
      );
      show(cli.io, flags.json === true, page, () =>
        renderPage(page.entries, page.cursor, 'dead letters', renderDeadLetters),
      );
    });
}
