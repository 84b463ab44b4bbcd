import type { Recurrence } from '../domain/schedule-types';
import type { TaskSpec } from '../domain/task-spec';
import { cronRecurrence } from './cron-recurrence';
import { intervalRecurrence } from './interval-recurrence';

/** Distinct cron schedules remembered; beyond it the oldest is forgotten (and re-parsed if needed). */
const CRONS_REMEMBERED = 1000;
const crons = new Map<string, Recurrence | undefined>();

/**
 * The recurrence of a stored task: its cron in its time zone, its Interval grid anchored at
 * `ToRunAt` (or, without one, at `dueMs`, the occurrence at hand), or undefined for a once task.
 * A stored cron was valid when it arrived; one refused now (a time zone gone from the platform's
 * tz data) gives undefined, and the caller treats the task as over.
 */
export function recurrenceOf(spec: TaskSpec, dueMs: number): Recurrence | undefined {
  if (spec.cron !== undefined) {
    return cachedCron(
      spec.cron,
      spec.timeZone ?? 'UTC',
      spec.dstRepeated ?? 'first',
      spec.dstSkipped ?? 'shift',
    );
  }
  if (spec.intervalMs !== undefined) {
    return intervalRecurrence(spec.toRunAtMs ?? dueMs, spec.intervalMs);
  }
  return undefined;
}

function cachedCron(
  cron: string,
  timeZone: string,
  dstRepeated: NonNullable<TaskSpec['dstRepeated']>,
  dstSkipped: NonNullable<TaskSpec['dstSkipped']>,
): Recurrence | undefined {
  const key = `${cron}|${timeZone}|${dstRepeated}|${dstSkipped}`;
  if (crons.has(key)) return crons.get(key);
  const made = cronRecurrence({ cron, timeZone, dstRepeated, dstSkipped });
  const recurrence = 'invalid' in made ? undefined : made;
  if (crons.size >= CRONS_REMEMBERED) {
    const oldest = crons.keys().next();
    if (oldest.done !== true) crons.delete(oldest.value);
  }
  crons.set(key, recurrence);
  return recurrence;
}
