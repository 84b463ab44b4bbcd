import { decodeRecord } from '../domain/task-record';
import type { StoredTask, TaskState } from '../store/operations-store';

/** A task as operators see it (the admin API's and the CLI's answer). */
export interface TaskView {
  id: string;
  name: string;
  state: TaskState;
  /** Pending or running: when the current occurrence is (was) due, ISO-8601. */
  dueAt?: string;
  /** Attempts at the current occurrence (for a failed task: at the one that failed). */
  attempt: number;
  /** Periodic tasks: seconds between occurrences. */
  interval?: number;
  /** Periodic tasks with an end: the last allowed occurrence, ISO-8601. */
  endTime?: string;
  /** The last failure's error text. */
  lastError?: string;
  /** Failed, cancelled or done: when, ISO-8601. */
  finishedAt?: string;
  /** The handler's own fields. */
  payload: Readonly<Record<string, unknown>>;
}

interface Failure {
  error?: unknown;
  attempt?: unknown;
}

/** The view of a stored task; its record is decoded, checked, never trusted blindly. */
export function taskView(task: StoredTask): TaskView {
  const spec = decodeRecord(task.record);
  const failure = parseFailure(task.lastFailure);
  const failedAttempt = typeof failure?.attempt === 'number' ? failure.attempt : undefined;
  return {
    id: task.id,
    name: spec?.name ?? '?',
    state: task.state,
    ...(task.dueMs > 0 ? { dueAt: iso(task.dueMs) } : {}),
    attempt: task.attempt > 0 ? task.attempt : (failedAttempt ?? 0),
    ...(spec?.intervalMs === undefined ? {} : { interval: spec.intervalMs / 1000 }),
    ...(spec?.endTimeMs === undefined ? {} : { endTime: iso(spec.endTimeMs) }),
    ...(typeof failure?.error === 'string' ? { lastError: failure.error } : {}),
    ...(task.finishedAtMs === undefined ? {} : { finishedAt: iso(task.finishedAtMs) }),
    payload: spec?.payload ?? {},
  };
}

function parseFailure(json: string | undefined): Failure | undefined {
  if (json === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null ? (value as Failure) : undefined;
  } catch {
    return undefined;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
