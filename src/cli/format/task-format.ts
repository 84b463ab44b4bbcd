import type { TaskView } from '../../operations/task-view';
import { renderFields, renderTable, type Column } from './table';

/** One task, every field on its own line; the error and payload in full. */
export function renderTask(task: TaskView): string {
  return renderFields([
    ['id', task.id],
    ['name', task.name],
    ['state', task.state],
    ['due at', task.dueAt],
    ['attempt', String(task.attempt)],
    ['interval', task.interval === undefined ? undefined : `${task.interval} s`],
    ['cron', task.cron === undefined ? undefined : `${task.cron} (${task.timeZone ?? 'UTC'})`],
    ['end time', task.endTime],
    ['rules', task.rules === undefined ? undefined : JSON.stringify(task.rules)],
    ['finished at', task.finishedAt],
    ['last error', lastError(task)],
    ['payload', JSON.stringify(task.payload)],
  ]);
}

/** The error, with how it came about when that is not plain (`expired: not run: …`). */
function lastError(task: TaskView): string | undefined {
  if (task.lastError === undefined) return undefined;
  const plain = task.lastOutcome === undefined || task.lastOutcome === 'error';
  return plain ? task.lastError : `${task.lastOutcome}: ${task.lastError}`;
}

// IDs are never cut (they are what the other commands take); long texts are, `--json` has them whole.
const TASK_COLUMNS: readonly Column[] = [
  { header: 'ID' },
  { header: 'NAME', maxWidth: 40 },
  { header: 'DUE AT' },
  { header: 'FINISHED AT' },
  { header: 'ATTEMPT', align: 'right' },
  { header: 'INTERVAL', align: 'right' },
  { header: 'LAST ERROR', maxWidth: 60 },
];

/** Tasks of one state, one per row. */
export function renderTaskTable(tasks: readonly TaskView[]): string {
  return renderTable(
    TASK_COLUMNS,
    tasks.map((task) => [
      task.id,
      task.name,
      task.dueAt,
      task.finishedAt,
      String(task.attempt),
      task.interval === undefined ? undefined : `${task.interval} s`,
      task.lastError,
    ]),
  );
}
