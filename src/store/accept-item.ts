import { encodeRecord } from '../domain/task-record';
import type { TaskSpec } from '../domain/task-spec';
import type { AcceptItem } from './task-store';

/**
 * What the store's acceptTasks takes for a parsed task: its record, its first due time, and for a
 * periodic one what the scripts need of it in fields of their own (they never decode a record).
 */
export function acceptItem(spec: TaskSpec, dueMs: number): AcceptItem {
  const item: AcceptItem = { id: spec.id, record: encodeRecord(spec), dueMs };
  if (spec.intervalMs !== undefined || spec.cron !== undefined) {
    const { intervalMs, endTimeMs, jitterMs } = spec;
    item.period = { intervalMs, endTimeMs, jitterMs };
  }
  return item;
}
