import type { TaskSpec } from '../tasks/task-spec';
import { isOversizedMessage } from './oversized-message';
import {
  FieldError,
  describeValue,
  endTimeWithoutInterval,
  formatDuration,
  formatTime,
  missingDueTime,
  missingField,
  parsePositiveSeconds,
  parseSeconds,
  parseTaskId,
  parseTaskName,
  parseUnixTime,
  truncate,
} from './task-fields';

export interface ParseOptions {
  /** Injected clock: arrival time in unix ms. */
  nowMs: number;
  /** Snowflake generator, called only for an accepted message without `ID`. */
  generateId: () => string;
  /** Whether a handler is registered under this `Name`. */
  isKnownTask: (name: string) => boolean;
  /** A once task whose ToRunAt is older than nowMs - maxPastMs is rejected (e.g. 1 h). */
  maxPastMs: number;
  /** ToRunAt, ToRunAfter, EndTime and the first run may lie at most this far ahead (e.g. 10 y). */
  maxFutureMs: number;
  /** Smallest accepted Interval (e.g. 50). */
  minIntervalMs: number;
  /** Largest accepted Timeout (e.g. 24 h). */
  maxTimeoutMs: number;
  /**
   * Size limit in bytes. The transport enforces it before parsing (see `OversizedMessage`, whose
   * own `limit` is reported); here it is applied to unparsed text and used when a marker has none.
   */
  maxMessageBytes?: number;
}

export type ParseResult =
  | { ok: true; spec: TaskSpec; dueMs: number }
  | { ok: false; reason: string; id?: string };

type MutableSpec = { -readonly [K in keyof TaskSpec]: TaskSpec[K] };

/** Keys never copied into the payload, so it cannot carry prototype-pollution gadgets. */
function isForbiddenKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

function reject(reason: string | FieldError, id?: string): ParseResult {
  const text = typeof reason === 'string' ? reason : reason.message;
  return id === undefined ? { ok: false, reason: text } : { ok: false, reason: text, id };
}

/** A reason for anything that is not a JSON object. */
function rejectNonObject(raw: unknown, options: ParseOptions): ParseResult {
  if (typeof raw === 'string') {
    const limit = options.maxMessageBytes;
    if (limit !== undefined && raw.length > limit / 3) {
      const bytes = Buffer.byteLength(raw, 'utf8');
      if (bytes > limit) {
        return reject(`message of ${bytes} bytes exceeds the limit of ${limit} bytes`);
      }
    }
    try {
      JSON.parse(raw);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return reject(`malformed JSON: ${truncate(detail, 200)}`);
    }
    // Valid JSON that arrived as a string: a Nest client that emitted an already-encoded text.
    return reject(
      `message must be a JSON object, got a string holding JSON (encoded twice?): ${describeValue(raw)}`,
    );
  }
  if (Array.isArray(raw)) return reject('message must be a JSON object, got an array');
  return reject(`message must be a JSON object, got ${describeValue(raw)}`);
}

/** Hints at a required field sent with the wrong case, e.g. `name` for `Name`. */
function caseHint(payload: Record<string, unknown>, ...fields: string[]): string {
  const wanted = fields.map((field) => field.toLowerCase());
  const found = Object.keys(payload).filter((key) => wanted.includes(key.toLowerCase()));
  return found.length === 0
    ? ''
    : ` (found ${found.map((key) => JSON.stringify(key)).join(', ')}: field names are case-sensitive)`;
}

/**
 * Validates and normalises one task message (the JSON-parsed seed message, or the raw text when
 * JSON.parse failed, or an `OversizedMessage`). Pure: no I/O, the clock and the ID generator are
 * injected. On success, `spec` is the `TaskSpec` to store (its JSON text is the content
 * fingerprint: keys in interface order, undefined fields omitted, times and durations in ms) and
 * `dueMs` is the first run time.
 */
export function parseTask(raw: unknown, options: ParseOptions): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return rejectNonObject(raw, options);
  }
  if (isOversizedMessage(raw)) {
    const limit = Number.isFinite(raw.limit) ? raw.limit : options.maxMessageBytes;
    return reject(`message of ${raw.bytes} bytes exceeds the limit of ${limit} bytes`);
  }
  const prototype: unknown = Object.getPrototypeOf(raw);
  if (prototype !== Object.prototype && prototype !== null) {
    return reject(`message must be a JSON object, got ${Object.prototype.toString.call(raw)}`);
  }

  // One pass over the message: the seven known fields (null counts as absent, as in Go) and the
  // payload, which keeps every other field in its original order.
  let rawId: unknown;
  let rawName: unknown;
  let rawToRunAt: unknown;
  let rawToRunAfter: unknown;
  let rawTimeout: unknown;
  let rawInterval: unknown;
  let rawEndTime: unknown;
  const payload: Record<string, unknown> = {};
  const message = raw as Record<string, unknown>;
  for (const key of Object.keys(message)) {
    const value = message[key];
    switch (key) {
      case 'ID':
        rawId = value ?? undefined;
        break;
      case 'Name':
        rawName = value ?? undefined;
        break;
      case 'ToRunAt':
        rawToRunAt = value ?? undefined;
        break;
      case 'ToRunAfter':
        rawToRunAfter = value ?? undefined;
        break;
      case 'Timeout':
        rawTimeout = value ?? undefined;
        break;
      case 'Interval':
        rawInterval = value ?? undefined;
        break;
      case 'EndTime':
        rawEndTime = value ?? undefined;
        break;
      default:
        if (!isForbiddenKey(key)) payload[key] = value;
    }
  }

  let id: string | undefined;
  if (rawId !== undefined) {
    const parsed = parseTaskId(rawId);
    if (parsed instanceof FieldError) return reject(parsed);
    id = parsed;
  }

  if (rawName === undefined) {
    return reject(missingField('Name').message + caseHint(payload, 'Name'), id);
  }
  const name = parseTaskName(rawName);
  if (name instanceof FieldError) return reject(name, id);
  if (!options.isKnownTask(name)) return reject(`unknown task name ${describeValue(name)}`, id);

  // ToRunAt wins; ToRunAfter is then ignored entirely (neither validated nor stored).
  let toRunAtMs: number | undefined;
  let toRunAfterMs: number | undefined;
  if (rawToRunAt !== undefined) {
    const parsed = parseUnixTime(rawToRunAt, 'ToRunAt');
    if (parsed instanceof FieldError) return reject(parsed, id);
    toRunAtMs = parsed;
  } else if (rawToRunAfter !== undefined) {
    const parsed = parseSeconds(rawToRunAfter, 'ToRunAfter');
    if (parsed instanceof FieldError) return reject(parsed, id);
    toRunAfterMs = parsed;
  } else {
    return reject(missingDueTime().message + caseHint(payload, 'ToRunAt', 'ToRunAfter'), id);
  }

  let timeoutMs: number | undefined;
  if (rawTimeout !== undefined) {
    const parsed = parsePositiveSeconds(rawTimeout, 'Timeout');
    if (parsed instanceof FieldError) return reject(parsed, id);
    if (parsed > options.maxTimeoutMs) {
      return reject(
        `Timeout ${describeValue(rawTimeout)} exceeds the maximum of ${formatDuration(options.maxTimeoutMs)}`,
        id,
      );
    }
    timeoutMs = parsed;
  }

  let intervalMs: number | undefined;
  if (rawInterval !== undefined) {
    const parsed = parsePositiveSeconds(rawInterval, 'Interval');
    if (parsed instanceof FieldError) return reject(parsed, id);
    if (parsed < options.minIntervalMs) {
      return reject(
        `Interval ${describeValue(rawInterval)} is below the minimum of ${formatDuration(options.minIntervalMs)}`,
        id,
      );
    }
    intervalMs = parsed;
  }

  let endTimeMs: number | undefined;
  if (rawEndTime !== undefined) {
    const parsed = parseUnixTime(rawEndTime, 'EndTime');
    if (parsed instanceof FieldError) return reject(parsed, id);
    if (intervalMs === undefined) return reject(endTimeWithoutInterval(rawEndTime), id);
    endTimeMs = parsed;
  }

  // Times against the clock.
  const { nowMs, maxFutureMs } = options;
  const horizonMs = nowMs + maxFutureMs;
  const limitText = formatDuration(maxFutureMs);
  let dueMs: number;
  if (toRunAtMs !== undefined) {
    if (toRunAtMs > horizonMs) {
      return reject(
        `ToRunAt ${describeValue(rawToRunAt)} (${formatTime(toRunAtMs)}) is ` +
          `${formatDuration(toRunAtMs - nowMs)} in the future, beyond the limit of ${limitText}`,
        id,
      );
    }
    if (toRunAtMs >= nowMs) {
      dueMs = toRunAtMs;
    } else if (intervalMs === undefined) {
      if (toRunAtMs < nowMs - options.maxPastMs) {
        return reject(
          `ToRunAt ${describeValue(rawToRunAt)} (${formatTime(toRunAtMs)}) is ` +
            `${formatDuration(nowMs - toRunAtMs)} in the past, beyond the limit of ` +
            `${formatDuration(options.maxPastMs)}`,
          id,
        );
      }
      dueMs = nowMs; // late but within the grace period: run now
    } else {
      // Periodic: the grid ToRunAt + k·Interval stays anchored; take its first point >= now.
      const behind = (nowMs - toRunAtMs) % intervalMs;
      dueMs = behind === 0 ? nowMs : nowMs + (intervalMs - behind);
    }
  } else {
    const afterMs = toRunAfterMs as number;
    if (afterMs > maxFutureMs) {
      return reject(
        `ToRunAfter ${describeValue(rawToRunAfter)} is ${formatDuration(afterMs)} in the ` +
          `future, beyond the limit of ${limitText}`,
        id,
      );
    }
    dueMs = nowMs + afterMs;
  }

  if (endTimeMs !== undefined) {
    if (endTimeMs > horizonMs) {
      return reject(
        `EndTime ${describeValue(rawEndTime)} (${formatTime(endTimeMs)}) is ` +
          `${formatDuration(endTimeMs - nowMs)} in the future, beyond the limit of ${limitText}`,
        id,
      );
    }
    const firstMs = toRunAtMs ?? dueMs;
    if (endTimeMs < firstMs) {
      return reject(
        `EndTime ${describeValue(rawEndTime)} (${formatTime(endTimeMs)}) is before the first run ` +
          `at ${formatTime(firstMs)}`,
        id,
      );
    }
    if (endTimeMs < dueMs) {
      return reject(
        `periodic task has no occurrence left before EndTime ${describeValue(rawEndTime)} ` +
          `(${formatTime(endTimeMs)}): the next one would be at ${formatTime(dueMs)}`,
        id,
      );
    }
  }
  if (dueMs > horizonMs) {
    return reject(
      `the next occurrence of the periodic task, at ${formatTime(dueMs)}, is beyond the limit of ` +
        `${limitText} in the future`,
      id,
    );
  }

  // Keys in TaskSpec's order, undefined fields omitted: the JSON text is the content fingerprint.
  const spec = { id: id ?? options.generateId(), name } as MutableSpec;
  if (toRunAtMs !== undefined) spec.toRunAtMs = toRunAtMs;
  if (toRunAfterMs !== undefined) spec.toRunAfterMs = toRunAfterMs;
  if (timeoutMs !== undefined) spec.timeoutMs = timeoutMs;
  if (intervalMs !== undefined) spec.intervalMs = intervalMs;
  if (endTimeMs !== undefined) spec.endTimeMs = endTimeMs;
  spec.payload = payload;
  return { ok: true, spec, dueMs };
}
