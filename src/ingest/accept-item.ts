import { encodeRecord } from '../domain/task-record';
import type { TaskSpec } from '../domain/task-spec';
import type { AcceptItem } from '../store/task-store';

/**
 * What the store's acceptTasks takes for a parsed task: its record, its first due time, and the
 * grid of a periodic one in fields of their own (the scripts never decode a record).
 */
export function acceptItem(spec: TaskSpec, dueMs: number): AcceptItem {
  return {
    id: spec.id,
    record: encodeRecord(spec),
    dueMs,
    intervalMs: spec.intervalMs,
    endTimeMs: spec.endTimeMs,
  };
}
