import type { TaskStats } from '../../store/operations-store';
import { renderFields } from './table';

export function renderStats(stats: TaskStats): string {
  return renderFields([
    ['pending', String(stats.pending)],
    ['running', String(stats.running)],
    ['failed', String(stats.failed)],
    ['cancelled', String(stats.cancelled)],
    ['done', String(stats.done)],
    ['dead letters', String(stats.deadLetters)],
    ['oldest due lag', `${stats.oldestDueLagMs} ms`],
    ['missed occurrences', String(stats.missed)],
    ['expired occurrences', String(stats.expired)],
  ]);
}
