import { cronRecurrence } from '../../schedules/cron-recurrence';
import type { Recurrence, ScheduleSettings } from '../../domain/schedule-types';
import {
  FieldError,
  describeValue,
  parsePositiveSeconds,
  parseSeconds,
  parseWholeNumber,
} from '../task-fields';
import type { SentFields } from './message-fields';

/** Most missed occurrences `CatchUp: "all"` may run in a row. */
export const MAX_CATCH_UP = 1000;

/** A periodic task's calendar and rules, as sent (absent fields stay absent: they are stored as sent). */
export interface ScheduleFields extends ScheduleSettings {
  /** The cron schedule, when `Cron` was sent: what places the task in time. */
  readonly cronRecurrence?: Recurrence;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `Cron` and the fields that go with it, the rules of periodic tasks (`CatchUp`, `CatchUpMax`,
 * `Overlap`, `Jitter`) and `MaxLateness`. A field that would be ignored where it was sent is
 * refused rather than silently dropped.
 */
export function scheduleFieldsOf(
  sent: SentFields,
  intervalMs: number | undefined,
): ScheduleFields | FieldError {
  const fields: Mutable<ScheduleFields> = {};
  if (sent.cron !== undefined) {
    if (intervalMs !== undefined) {
      return new FieldError('Cron and Interval cannot both be given: a task has one recurrence');
    }
    const cron = cronFields(sent);
    if (cron instanceof FieldError) return cron;
    Object.assign(fields, cron);
  } else {
    const stray = (['timeZone', 'dstRepeated', 'dstSkipped'] as const).find(
      (key) => sent[key] !== undefined,
    );
    if (stray) return new FieldError(`${FIELD_NAMES[stray]} is only allowed with Cron`);
  }
  const periodic = intervalMs !== undefined || sent.cron !== undefined;
  const rules = periodicRules(sent, periodic);
  if (rules instanceof FieldError) return rules;
  Object.assign(fields, rules);
  const jitterError = jitterBeyondGap(fields, intervalMs);
  if (jitterError) return jitterError;
  if (sent.maxLateness !== undefined) {
    const maxLatenessMs = parsePositiveSeconds(sent.maxLateness, 'MaxLateness');
    if (maxLatenessMs instanceof FieldError) return maxLatenessMs;
    fields.maxLatenessMs = maxLatenessMs;
  }
  return fields;
}

const FIELD_NAMES = {
  timeZone: 'TimeZone',
  dstRepeated: 'DstRepeated',
  dstSkipped: 'DstSkipped',
  catchUp: 'CatchUp',
  catchUpMax: 'CatchUpMax',
  overlap: 'Overlap',
  jitter: 'Jitter',
} as const;

function cronFields(sent: SentFields): ScheduleFields | FieldError {
  if (typeof sent.cron !== 'string' || sent.cron.trim() === '') {
    return new FieldError(`Cron must be a non-empty string, got ${describeValue(sent.cron)}`);
  }
  const cron = sent.cron.trim().replace(/\s+/g, ' ');
  const timeZone = sent.timeZone === undefined ? undefined : textOf(sent.timeZone, 'TimeZone');
  if (timeZone instanceof FieldError) return timeZone;
  const dstRepeated = oneOf(sent.dstRepeated, 'DstRepeated', ['first', 'last', 'both'] as const);
  if (dstRepeated instanceof FieldError) return dstRepeated;
  const dstSkipped = oneOf(sent.dstSkipped, 'DstSkipped', ['shift', 'skip'] as const);
  if (dstSkipped instanceof FieldError) return dstSkipped;
  const recurrence = cronRecurrence({
    cron,
    timeZone: timeZone ?? 'UTC',
    dstRepeated: dstRepeated ?? 'first',
    dstSkipped: dstSkipped ?? 'shift',
  });
  if ('invalid' in recurrence) return new FieldError(recurrence.invalid);
  const fields: Mutable<ScheduleFields> = { cron, cronRecurrence: recurrence };
  if (timeZone !== undefined) fields.timeZone = timeZone;
  if (dstRepeated !== undefined) fields.dstRepeated = dstRepeated;
  if (dstSkipped !== undefined) fields.dstSkipped = dstSkipped;
  return fields;
}

function periodicRules(sent: SentFields, periodic: boolean): ScheduleFields | FieldError {
  const given = (['catchUp', 'catchUpMax', 'overlap', 'jitter'] as const).filter(
    (key) => sent[key] !== undefined,
  );
  if (given.length === 0) return {};
  if (!periodic) {
    return new FieldError(
      `${FIELD_NAMES[given[0]]} is only allowed on periodic tasks (Interval or Cron)`,
    );
  }
  const fields: Mutable<ScheduleFields> = {};
  const catchUp = oneOf(sent.catchUp, 'CatchUp', ['skip', 'one', 'all'] as const);
  if (catchUp instanceof FieldError) return catchUp;
  if (catchUp !== undefined) fields.catchUp = catchUp;
  if (sent.catchUpMax !== undefined) {
    if (catchUp !== 'all') return new FieldError('CatchUpMax is only used with CatchUp "all"');
    const max = parseWholeNumber(sent.catchUpMax, 'CatchUpMax', 1, MAX_CATCH_UP);
    if (max instanceof FieldError) return max;
    fields.catchUpMax = max;
  }
  const overlap = oneOf(sent.overlap, 'Overlap', ['skip', 'bufferOne', 'allowAll'] as const);
  if (overlap instanceof FieldError) return overlap;
  if (overlap !== undefined) fields.overlap = overlap;
  if (sent.jitter !== undefined) {
    const jitterMs = parseSeconds(sent.jitter, 'Jitter');
    if (jitterMs instanceof FieldError) return jitterMs;
    fields.jitterMs = jitterMs;
  }
  return fields;
}

/** Occurrences of a cron schedule whose gaps bound Jitter (a year of a daily cron, DST days included). */
const GAPS_CHECKED = 400;

/**
 * Jitter must stay below the gap between occurrences, so that an occurrence always starts before
 * the next one falls due (the catch-up and overlap rules count on that order).
 */
function jitterBeyondGap(
  fields: ScheduleFields,
  intervalMs: number | undefined,
): FieldError | undefined {
  const { jitterMs, cronRecurrence: cron } = fields;
  if (jitterMs === undefined || jitterMs === 0) return undefined;
  let gapMs = intervalMs ?? Infinity;
  if (cron) {
    let at = cron.firstAfter(Date.UTC(2026, 0, 1));
    for (let i = 0; i < GAPS_CHECKED && at !== undefined; i++) {
      const next = cron.firstAfter(at);
      if (next !== undefined) gapMs = Math.min(gapMs, next - at);
      at = next;
    }
  }
  if (jitterMs < gapMs) return undefined;
  return new FieldError(
    `Jitter ${jitterMs / 1000} s must be less than the shortest gap between occurrences ` +
      `(${gapMs / 1000} s)`,
  );
}

function textOf(value: unknown, field: string): string | FieldError {
  if (typeof value === 'string' && value !== '') return value;
  return new FieldError(`${field} must be a non-empty string, got ${describeValue(value)}`);
}

function oneOf<T extends string>(
  value: unknown,
  field: string,
  allowed: readonly T[],
): T | undefined | FieldError {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  return new FieldError(
    `${field} must be one of ${allowed.map((v) => `"${v}"`).join(', ')}, got ${describeValue(value)}`,
  );
}
