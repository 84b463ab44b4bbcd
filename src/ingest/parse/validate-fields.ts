import {
  FieldError,
  describeValue,
  endTimeWithoutInterval,
  formatDuration,
  missingDueTime,
  missingField,
  parsePositiveSeconds,
  parseRetries,
  parseSeconds,
  parseTaskId,
  parseTaskName,
  parseUnixTime,
} from '../task-fields';
import type { TaskTypeOptions } from '../../tasks/delay-task.decorator';
import type { SentFields } from './message-fields';
import { Rejection } from './rejection';
import { scheduleFieldsOf, type ScheduleFields } from './schedule-fields';

/** What a message is checked against beyond the common fields: its task type's payload class. */
export type TaskTypeCheck = Pick<TaskTypeOptions, 'payload'>;

/** What the fields are checked against, besides their syntax. */
export interface FieldRules {
  /**
   * The task type registered under this `Name`, or undefined when none is. One lookup per message
   * tells both that the name is known and how to check the payload.
   */
  taskType: (name: string) => TaskTypeCheck | undefined;
  /** Smallest accepted Interval (e.g. 50). */
  minIntervalMs: number;
  /** Largest accepted Timeout (e.g. 24 h). */
  maxTimeoutMs: number;
}

/**
 * When the producer wants the first run: at a time, or a delay after arrival; a cron schedule
 * may give neither (it starts now).
 */
export type Start =
  | { readonly toRunAtMs: number; readonly toRunAfterMs?: never }
  | { readonly toRunAtMs?: never; readonly toRunAfterMs: number }
  | { readonly toRunAtMs?: never; readonly toRunAfterMs?: never };

/** A message's fields, valid on their own (not yet against the clock), in milliseconds. */
export interface TaskFields {
  /** Absent when the message had none (one is derived from its text when it is accepted). */
  readonly id: string | undefined;
  readonly name: string;
  readonly start: Start;
  readonly timeoutMs: number | undefined;
  readonly intervalMs: number | undefined;
  readonly endTimeMs: number | undefined;
  readonly retries: number | undefined;
  readonly retryDelayMs: number | undefined;
  /** `Cron` and the rules of periodic tasks, as sent. */
  readonly schedule: ScheduleFields;
  /** The task type's payload class, when it has one (`checkPayload` checks the payload by it). */
  readonly payloadClass: TaskTypeCheck['payload'];
}

/**
 * Parse step 2: each field's syntax and configured bounds, in a fixed order so a message with
 * several faults always gets the same reason. A rejection carries the ID once it is known valid.
 */
export function validateFields(sent: SentFields, rules: FieldRules): TaskFields | Rejection {
  const id = sent.id === undefined ? undefined : parseTaskId(sent.id);
  if (id instanceof FieldError) return new Rejection(id);
  const name = sentName(sent);
  if (name instanceof FieldError) return new Rejection(name, id);
  const type = rules.taskType(name);
  if (type === undefined) return new Rejection(`unknown task name ${describeValue(name)}`, id);
  const start = startOf(sent);
  if (start instanceof FieldError) return new Rejection(start, id);
  const timeoutMs = timeoutOf(sent.timeout, rules.maxTimeoutMs);
  if (timeoutMs instanceof FieldError) return new Rejection(timeoutMs, id);
  const intervalMs = intervalOf(sent.interval, rules.minIntervalMs);
  if (intervalMs instanceof FieldError) return new Rejection(intervalMs, id);
  const schedule = scheduleFieldsOf(sent, intervalMs);
  if (schedule instanceof FieldError) return new Rejection(schedule, id);
  const periodic = intervalMs !== undefined || schedule.cron !== undefined;
  if (start.toRunAtMs === undefined && start.toRunAfterMs === undefined && !schedule.cron) {
    return new Rejection(missingDueTime(), id);
  }
  const endTimeMs = endTimeOf(sent, periodic);
  if (endTimeMs instanceof FieldError) return new Rejection(endTimeMs, id);
  const retries = sent.retries === undefined ? undefined : parseRetries(sent.retries);
  if (retries instanceof FieldError) return new Rejection(retries, id);
  const retryDelayMs =
    sent.retryDelay === undefined ? undefined : parsePositiveSeconds(sent.retryDelay, 'RetryDelay');
  if (retryDelayMs instanceof FieldError) return new Rejection(retryDelayMs, id);
  return {
    id,
    name,
    start,
    timeoutMs,
    intervalMs,
    endTimeMs,
    retries,
    retryDelayMs,
    schedule,
    payloadClass: type.payload,
  };
}

/** `Name`, present and well-formed; a missing one points at keys that spell it in another case. */
function sentName(sent: SentFields): string | FieldError {
  if (sent.name === undefined) {
    const found = sent.nameMisspellings;
    const hint =
      found.length === 0
        ? ''
        : ` (found ${found.map((key) => JSON.stringify(key)).join(', ')}: Name must be spelled ` +
          'exactly so, unlike the other fields)';
    return new FieldError(missingField('Name').message + hint);
  }
  return parseTaskName(sent.name);
}

/**
 * ToRunAt wins; ToRunAfter is then ignored entirely (neither validated nor stored). Neither is a
 * fault only without Cron (checked once Cron is read).
 */
function startOf(sent: SentFields): Start | FieldError {
  if (sent.toRunAt !== undefined) {
    const toRunAtMs = parseUnixTime(sent.toRunAt, 'ToRunAt');
    return toRunAtMs instanceof FieldError ? toRunAtMs : { toRunAtMs };
  }
  if (sent.toRunAfter !== undefined) {
    const toRunAfterMs = parseSeconds(sent.toRunAfter, 'ToRunAfter');
    return toRunAfterMs instanceof FieldError ? toRunAfterMs : { toRunAfterMs };
  }
  return {};
}

/** `Timeout`, when sent: seconds greater than 0 and at most `maxMs`. */
function timeoutOf(value: unknown, maxMs: number): number | undefined | FieldError {
  if (value === undefined) return undefined;
  const ms = parsePositiveSeconds(value, 'Timeout');
  if (ms instanceof FieldError || ms <= maxMs) return ms;
  return new FieldError(
    `Timeout ${describeValue(value)} exceeds the maximum of ${formatDuration(maxMs)}`,
  );
}

/** `Interval`, when sent: seconds greater than 0 and at least `minMs`. */
function intervalOf(value: unknown, minMs: number): number | undefined | FieldError {
  if (value === undefined) return undefined;
  const ms = parsePositiveSeconds(value, 'Interval');
  if (ms instanceof FieldError || ms >= minMs) return ms;
  return new FieldError(
    `Interval ${describeValue(value)} is below the minimum of ${formatDuration(minMs)}`,
  );
}

/** `EndTime`, on periodic tasks only; its place on the clock is checked by `placeInTime`. */
function endTimeOf(sent: SentFields, periodic: boolean): number | undefined | FieldError {
  if (sent.endTime === undefined) return undefined;
  const endTimeMs = parseUnixTime(sent.endTime, 'EndTime');
  if (endTimeMs instanceof FieldError || periodic) return endTimeMs;
  return endTimeWithoutInterval(sent.endTime);
}
