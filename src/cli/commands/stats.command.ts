import type { Command } from 'commander';
import { JSON_FLAG, JSON_FLAG_HELP, type Cli, type JsonFlag } from '../cli';
import { renderStats } from '../format/stats-format';
import { show } from '../output';
import { withSession } from '../session';

export function addStatsCommand(program: Command, cli: Cli): void {
  program
    .command('stats')
    .summary('count the tasks by state, and the dead letters')
    .description(
      'Count the tasks by state, the dead letters, and how overdue the oldest task due but not ' +
        'yet claimed is (0 while the instances keep up).',
    )
    .option(JSON_FLAG, JSON_FLAG_HELP)
    .action(async (flags: JsonFlag) => {
      const stats = await withSession(cli.env, (session) => session.operations.stats());
      show(cli.io, flags.json === true, stats, () => renderStats(stats));
    });
}
