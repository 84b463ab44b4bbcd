/**
 * Syntax of the seed's message fields, for `parseTask`. Plain typed parsers rather than
 * class-validator DTOs: the same rules cost 0.8 µs per message here against 5-19 µs through
 * `plainToInstance` + `validateSync`, and ingest is the hot path of a burst.
 *
 * Every parser returns its result or a `FieldError` whose message names the field and the value.
 * Range checks that depend on configuration live in `parse/validate-fields.ts`, those that depend
 * on the clock in `parse/place-in-time.ts`.
 */

/** Longest accepted `ID` string, in UTF-16 code units. */
const MAX_ID_LENGTH = 128;
/** How much of an offending value a reason quotes. */
const MAX_QUOTED_CHARS = 80;

/** A rejected field value; `message` is the complete reason. */
export class FieldError {
  constructor(readonly message: string) {}
}

/** Cuts text to `max` characters, marking the cut with `…`. */
export function truncate(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Renders a value for a reason: strings quoted and escaped, everything cut to `max` characters. */
export function describeValue(value: unknown, max = MAX_QUOTED_CHARS): string {
  switch (typeof value) {
    case 'string':
      return value.length > max ? `${JSON.stringify(value.slice(0, max))}…` : JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return String(value);
    case 'function':
      return 'a function';
    default: {
      if (value === null) return 'null';
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch {
        text = undefined;
      }
      return truncate(text ?? Object.prototype.toString.call(value), max);
    }
  }
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
];

/** `3d 2h`, `1h`, `5m 3s`, `1.5s`, `250ms`: the two largest units, for reasons and logs. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < SECOND) return `${Math.round(ms)}ms`;
  if (ms < MINUTE) return `${Number((ms / SECOND).toFixed(3))}s`;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    const [unit, size] = DURATION_UNITS[i];
    if (ms < size) continue;
    const whole = Math.floor(ms / size);
    const text = `${whole}${unit}`;
    if (i + 1 === DURATION_UNITS.length) return text;
    const [nextUnit, nextSize] = DURATION_UNITS[i + 1];
    const rest = Math.floor((ms - whole * size) / nextSize);
    return rest > 0 ? `${text} ${rest}${nextUnit}` : text;
  }
  return `${ms}ms`;
}

/** ISO text of a unix-ms time, or the number when it is outside `Date`'s range. */
export function formatTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ms}ms` : date.toISOString();
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
/** Seconds above this many integer digits cannot be a safe number of milliseconds. */
const MAX_INTEGER_DIGITS = 13;
const MAX_SAFE_SECONDS = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/**
 * Plain decimal seconds to milliseconds without floating-point error: the integer and fraction
 * digits are converted separately; digits past the millisecond are rounded half up.
 * Returns `undefined` for text that is not plain decimal, `NaN` when out of range.
 */
function decimalSecondsToMs(text: string): number | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const integer = match[1].replace(/^0+(?=\d)/, '');
  if (integer.length > MAX_INTEGER_DIGITS) return NaN;
  let ms = Number(integer) * 1000;
  const fraction = match[2];
  if (fraction !== undefined) {
    ms += Number(fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0'));
    if (fraction.length > 3 && fraction.charCodeAt(3) >= 53 /* '5' */) ms += 1;
  }
  return Number.isSafeInteger(ms) ? ms : NaN;
}

/** A finite non-negative number of seconds to milliseconds, agreeing with its decimal text. */
function numberSecondsToMs(seconds: number): number {
  if (Number.isInteger(seconds)) return seconds <= MAX_SAFE_SECONDS ? seconds * 1000 : NaN;
  if (seconds < 1e-6) return 0; // below String()'s plain-notation range; rounds to 0 ms anyway
  // String() gives the shortest text that reads back as this double: the digits the producer wrote.
  return decimalSecondsToMs(String(seconds)) ?? NaN;
}

function syntaxError(field: string, value: string, expected: string): FieldError {
  if (value === '') return new FieldError(`${field} "" is empty`);
  if (/^\s*-\s*\d/.test(value))
    return new FieldError(`${field} ${describeValue(value)} is negative`);
  return new FieldError(`${field} ${describeValue(value)} is not ${expected}`);
}

function numberError(field: string, value: number): FieldError | undefined {
  if (!Number.isFinite(value)) {
    return new FieldError(`${field} ${describeValue(value)} is not a finite number`);
  }
  if (value < 0 || Object.is(value, -0)) {
    return new FieldError(`${field} ${describeValue(value)} is negative`);
  }
  return undefined;
}

const SECONDS_EXPECTED = 'a plain decimal number of seconds (e.g. "30" or "0.25")';

/**
 * A duration in seconds (`ToRunAfter`, `Timeout`, `Interval`): a non-negative number or decimal
 * string, fractional seconds allowed; returns milliseconds.
 */
export function parseSeconds(value: unknown, field: string): number | FieldError {
  let ms: number | undefined;
  if (typeof value === 'number') {
    const error = numberError(field, value);
    if (error !== undefined) return error;
    ms = numberSecondsToMs(value);
  } else if (typeof value === 'string') {
    ms = decimalSecondsToMs(value);
    if (ms === undefined) return syntaxError(field, value, SECONDS_EXPECTED);
  } else {
    return new FieldError(
      `${field} must be a number or a string of seconds, got ${describeValue(value)}`,
    );
  }
  return Number.isNaN(ms) ? new FieldError(`${field} ${describeValue(value)} is out of range`) : ms;
}

const TIME_EXPECTED =
  'unix seconds (e.g. "1764150000.25") or an ISO-8601 time with a timezone (e.g. "2026-11-26T13:00:00Z")';
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?$/;

/** An ISO-8601 date-time with a timezone to unix ms; `undefined` when it does not look like one. */
function isoToMs(text: string, field: string): number | FieldError | undefined {
  const m = ISO_TIME.exec(text);
  if (m === null) return undefined;
  const quoted = describeValue(text);
  if (m[8] === undefined && m[9] === undefined) {
    return new FieldError(`${field} ${quoted} has no timezone (add Z or ±hh:mm)`);
  }
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  if (year < 1970) return new FieldError(`${field} ${quoted} is before 1970`);
  let ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (
    month < 1 ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second ||
    offsetHours > 23 ||
    offsetMinutes > 59
  ) {
    return new FieldError(`${field} ${quoted} is not a valid date and time`);
  }
  const fraction = m[7];
  if (fraction !== undefined) {
    ms += Number(fraction.length >= 3 ? fraction.slice(0, 3) : fraction.padEnd(3, '0'));
    if (fraction.length > 3 && fraction.charCodeAt(3) >= 53 /* '5' */) ms += 1;
  }
  const offset = (offsetHours * 60 + offsetMinutes) * MINUTE;
  ms += m[9] === '-' ? offset : -offset;
  return ms < 0 ? new FieldError(`${field} ${quoted} is before 1970`) : ms;
}

/**
 * A point in time (`ToRunAt`, `EndTime`): unix seconds as a number or decimal string (fractional
 * seconds allowed), or an ISO-8601 string with a timezone; returns unix milliseconds.
 */
export function parseUnixTime(value: unknown, field: string): number | FieldError {
  if (typeof value === 'string') {
    const ms = decimalSecondsToMs(value) ?? isoToMs(value, field);
    if (ms === undefined) return syntaxError(field, value, TIME_EXPECTED);
    if (typeof ms === 'number' && Number.isNaN(ms)) {
      return new FieldError(`${field} ${describeValue(value)} is out of range`);
    }
    return ms;
  }
  if (typeof value === 'number') {
    const error = numberError(field, value);
    if (error !== undefined) return error;
    const ms = numberSecondsToMs(value);
    return Number.isNaN(ms)
      ? new FieldError(`${field} ${describeValue(value)} is out of range`)
      : ms;
  }
  return new FieldError(
    `${field} must be unix seconds (number or string) or an ISO-8601 string, got ${describeValue(value)}`,
  );
}

/** Whitespace, control, formatting (invisible) characters and lone surrogates. */
const BAD_ID_CHARACTER = /[\s\p{Cc}\p{Cf}\p{Cs}]/u;

/**
 * `ID`: an int64 as a string or a number, kept as text. Numbers must be safe integers (a larger
 * one already lost digits in JSON.parse); strings may be any token (snowflake, UUID, …).
 */
export function parseTaskId(value: unknown, field = 'ID'): string | FieldError {
  if (typeof value === 'string') {
    if (value === '') return new FieldError(`${field} "" is empty`);
    if (value.length > MAX_ID_LENGTH) {
      return new FieldError(
        `${field} ${describeValue(value)} is longer than ${MAX_ID_LENGTH} characters`,
      );
    }
    if (BAD_ID_CHARACTER.test(value)) {
      return new FieldError(
        `${field} ${describeValue(value)} contains whitespace or control characters`,
      );
    }
    return value;
  }
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    if (!Number.isFinite(value)) {
      return new FieldError(`${field} ${describeValue(value)} is not a finite number`);
    }
    if (Number.isInteger(value)) {
      return new FieldError(
        `${field} ${describeValue(value)} is not a safe integer: digits were lost when the JSON ` +
          `was parsed; send the ID as a string`,
      );
    }
    return new FieldError(`${field} ${describeValue(value)} is not an integer`);
  }
  return new FieldError(`${field} must be a string or an integer, got ${describeValue(value)}`);
}

/** `Name`: a non-empty string (whether a handler is registered for it is checked by the caller). */
export function parseTaskName(value: unknown, field = 'Name'): string | FieldError {
  if (typeof value !== 'string') {
    return new FieldError(`${field} must be a non-empty string, got ${describeValue(value)}`);
  }
  if (value === '') return new FieldError(`${field} "" is empty`);
  return value;
}

/** `Timeout`, `Interval`: seconds that must be greater than zero. */
export function parsePositiveSeconds(value: unknown, field: string): number | FieldError {
  const ms = parseSeconds(value, field);
  if (ms === 0) return new FieldError(`${field} ${describeValue(value)} must be greater than 0`);
  return ms;
}

/** Reason for a required field that is absent (or `null`, which counts as absent). */
export function missingField(field: 'Name'): FieldError {
  return new FieldError(`${field} is missing`);
}

/** Reason for a message that has neither `ToRunAt` nor `ToRunAfter`. */
export function missingDueTime(): FieldError {
  return new FieldError('ToRunAt or ToRunAfter is required');
}

/** Reason for `EndTime` on a message without `Interval` or `Cron`. */
export function endTimeWithoutInterval(value: unknown): FieldError {
  return new FieldError(
    `EndTime ${describeValue(value)} is only allowed on periodic tasks, but Interval (or Cron) ` +
      'is missing',
  );
}

/** Most retries a task may ask for. */
export const MAX_RETRIES = 100;

/** `Retries`: a whole number of attempts after the first, from 0 to MAX_RETRIES. */
export function parseRetries(value: unknown, field = 'Retries'): number | FieldError {
  return parseWholeNumber(value, field, 0, MAX_RETRIES);
}

/** A whole number from `min` to `max`, as a JSON number or a string of digits. */
export function parseWholeNumber(
  value: unknown,
  field: string,
  min: number,
  max: number,
): number | FieldError {
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < min || count > max) {
    return new FieldError(
      `${field} must be a whole number from ${min} to ${max}, got ${describeValue(value)}`,
    );
  }
  return count;
}
