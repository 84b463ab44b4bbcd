import { firstGridPointAtOrAfter } from '../../domain/grid';
import { FieldError, describeValue, formatDuration, formatTime } from '../task-fields';
import type { SentFields } from './message-fields';
import { Rejection } from './rejection';
import type { TaskFields } from './validate-fields';
import type { Recurrence } from '../../domain/schedule-types';

/** The clock a message is placed against, and how far from it its times may lie. */
export interface TimeRules {
  /** Injected clock: arrival time in unix ms. */
  nowMs: number;
  /** A once task whose ToRunAt is older than nowMs - maxPastMs is rejected (e.g. 1 h). */
  maxPastMs: number;
  /** ToRunAt, ToRunAfter, EndTime and the first run may lie at most this far ahead (e.g. 10 y). */
  maxFutureMs: number;
}

/**
 * Parse step 3: the first run time of a task whose fields are valid, or why it has none. `sent`
 * gives the values as the producer wrote them, for the reasons.
 */
export function placeInTime(
  sent: SentFields,
  fields: TaskFields,
  rules: TimeRules,
): number | Rejection {
  const dueMs = firstDueMs(sent, fields, rules);
  if (dueMs instanceof FieldError) return new Rejection(dueMs, fields.id);
  const error = endTimeError(sent, fields, dueMs, rules) ?? nextBeyondHorizon(dueMs, rules);
  return error === undefined ? dueMs : new Rejection(error, fields.id);
}

/**
 * ToRunAt as sent; a late once task within `maxPastMs` runs now, and a periodic task keeps its
 * grid ToRunAt + k·Interval, starting at its first point from now. Or arrival + ToRunAfter.
 */
function firstDueMs(sent: SentFields, fields: TaskFields, rules: TimeRules): number | FieldError {
  const { nowMs } = rules;
  const { start, intervalMs } = fields;
  const cron = fields.schedule.cronRecurrence;
  if (cron) return firstCronPoint(cron, sent, fields, rules);
  if (start.toRunAtMs === undefined) {
    if (start.toRunAfterMs === undefined) return nowMs;
    if (start.toRunAfterMs <= rules.maxFutureMs) return nowMs + start.toRunAfterMs;
    return new FieldError(
      `ToRunAfter ${describeValue(sent.toRunAfter)} is ${formatDuration(start.toRunAfterMs)} in ` +
        `the future, beyond the limit of ${formatDuration(rules.maxFutureMs)}`,
    );
  }
  const toRunAtMs = start.toRunAtMs;
  if (toRunAtMs > nowMs + rules.maxFutureMs) {
    return beyondHorizon('ToRunAt', sent.toRunAt, toRunAtMs, rules);
  }
  if (intervalMs !== undefined) return firstGridPointAtOrAfter(toRunAtMs, intervalMs, nowMs);
  if (toRunAtMs >= nowMs) return toRunAtMs;
  if (toRunAtMs >= nowMs - rules.maxPastMs) return nowMs; // late but within the grace period
  return new FieldError(
    `ToRunAt ${describeValue(sent.toRunAt)} (${formatTime(toRunAtMs)}) is ` +
      `${formatDuration(nowMs - toRunAtMs)} in the past, beyond the limit of ` +
      `${formatDuration(rules.maxPastMs)}`,
  );
}

/** A cron schedule's first point at or after its start (ToRunAt, ToRunAfter, or arrival). */
function firstCronPoint(
  cron: Recurrence,
  sent: SentFields,
  fields: TaskFields,
  rules: TimeRules,
): number | FieldError {
  const { nowMs } = rules;
  const { toRunAtMs, toRunAfterMs } = fields.start;
  if (toRunAtMs !== undefined && toRunAtMs > nowMs + rules.maxFutureMs) {
    return beyondHorizon('ToRunAt', sent.toRunAt, toRunAtMs, rules);
  }
  const startMs = Math.max(nowMs, toRunAtMs ?? nowMs + (toRunAfterMs ?? 0));
  const first = cron.firstAfter(startMs - 1);
  if (first !== undefined) return first;
  return new FieldError(
    `Cron ${describeValue(sent.cron)} has no occurrence after ${formatTime(startMs)}`,
  );
}

/** EndTime within the horizon, not before the first run, and leaving the grid a point up to it. */
function endTimeError(
  sent: SentFields,
  fields: TaskFields,
  dueMs: number,
  rules: TimeRules,
): FieldError | undefined {
  const { endTimeMs } = fields;
  if (endTimeMs === undefined) return undefined;
  if (endTimeMs > rules.nowMs + rules.maxFutureMs) {
    return beyondHorizon('EndTime', sent.endTime, endTimeMs, rules);
  }
  const firstMs = fields.start.toRunAtMs ?? dueMs;
  if (endTimeMs < firstMs) {
    return new FieldError(
      `EndTime ${describeValue(sent.endTime)} (${formatTime(endTimeMs)}) is before the first run ` +
        `at ${formatTime(firstMs)}`,
    );
  }
  if (endTimeMs >= dueMs) return undefined;
  return new FieldError(
    `periodic task has no occurrence left before EndTime ${describeValue(sent.endTime)} ` +
      `(${formatTime(endTimeMs)}): the next one would be at ${formatTime(dueMs)}`,
  );
}

/** Only a periodic task can get here: its grid may step past the horizon from a valid ToRunAt. */
function nextBeyondHorizon(dueMs: number, rules: TimeRules): FieldError | undefined {
  if (dueMs <= rules.nowMs + rules.maxFutureMs) return undefined;
  return new FieldError(
    `the next occurrence of the periodic task, at ${formatTime(dueMs)}, is beyond the limit of ` +
      `${formatDuration(rules.maxFutureMs)} in the future`,
  );
}

function beyondHorizon(
  field: 'ToRunAt' | 'EndTime',
  sent: unknown,
  ms: number,
  rules: TimeRules,
): FieldError {
  return new FieldError(
    `${field} ${describeValue(sent)} (${formatTime(ms)}) is ` +
      `${formatDuration(ms - rules.nowMs)} in the future, beyond the limit of ` +
      `${formatDuration(rules.maxFutureMs)}`,
  );
}
