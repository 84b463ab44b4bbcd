import { decodeRecord } from '../domain/task-record';
import type { TaskSpec } from '../domain/task-spec';
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
  /** Cron tasks: the calendar, and the time zone it is read in (absent: UTC). */
  cron?: string;
  timeZone?: string;
  /** Periodic tasks with an end: the last allowed occurrence, ISO-8601. */
  endTime?: string;
  /** The rules of a periodic task and its MaxLateness, as sent (absent: the defaults). */
  rules?: TaskRules;
  /** The last failure's error text. */
  lastError?: string;
  /** How the last failure came about: `error`, `timeout`, `expired` (MaxLateness), `stalled`. */
  lastOutcome?: string;
  /** Failed, cancelled or done: when, ISO-8601. */
  finishedAt?: string;
  /** The handler's own fields. */
  payload: Readonly<Record<string, unknown>>;
}

/** A task's occurrence rules, in the units of its message (seconds). */
export interface TaskRules {
  dstRepeated?: string;
  dstSkipped?: string;
  catchUp?: string;
  catchUpMax?: number;
  overlap?: string;
  jitter?: number;
  maxLateness?: number;
}

interface Failure {
  error?: unknown;
  attempt?: unknown;
  outcome?: unknown;
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
    ...(spec?.cron === undefined ? {} : { cron: spec.cron }),
    ...(spec?.timeZone === undefined ? {} : { timeZone: spec.timeZone }),
    ...(spec?.endTimeMs === undefined ? {} : { endTime: iso(spec.endTimeMs) }),
    ...(spec && rulesOf(spec)),
    ...(typeof failure?.error === 'string' ? { lastError: failure.error } : {}),
    ...(typeof failure?.outcome === 'string' ? { lastOutcome: failure.outcome } : {}),
    ...(task.finishedAtMs === undefined ? {} : { finishedAt: iso(task.finishedAtMs) }),
    payload: spec?.payload ?? {},
  };
}

function rulesOf(spec: TaskSpec): { rules?: TaskRules } {
  const { dstRepeated, dstSkipped, catchUp, catchUpMax, overlap, jitterMs, maxLatenessMs } = spec;
  const rules: TaskRules = { dstRepeated, dstSkipped, catchUp, catchUpMax, overlap };
  if (jitterMs !== undefined) rules.jitter = jitterMs / 1000;
  if (maxLatenessMs !== undefined) rules.maxLateness = maxLatenessMs / 1000;
  const given = Object.entries(rules).filter(([, value]) => value !== undefined);
  return given.length === 0 ? {} : { rules: Object.fromEntries(given) as TaskRules };
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
