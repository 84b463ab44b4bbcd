import { fieldValue, foldName } from '../tasks/field-name';
import type { TaskSpec } from '../domain/task-spec';
import { messageId } from './message-id';
import { MAX_NESTING_DEPTH, holdsNonFiniteNumber, nestedDeeperThan } from './json-shape';
import { isOversizedMessage } from './oversized-message';
import type { IncomingTaskMessage } from './task-message.deserializer';
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
}

/** What `parseTask` reads of a message: its parsed body and its text as received. */
export type ParseInput = Pick<IncomingTaskMessage, 'body' | 'text'>;

export type ParseResult =
  | { ok: true; spec: TaskSpec; dueMs: number }
  | { ok: false; reason: string; id?: string };

type MutableSpec = { -readonly [K in keyof TaskSpec]: TaskSpec[K] };

/** Keys never copied into the payload, so it cannot carry prototype-pollution gadgets. */
function isForbiddenKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

function ownValue(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function reject(reason: string | FieldError, id?: string): ParseResult {
  const text = typeof reason === 'string' ? reason : reason.message;
  return id === undefined ? { ok: false, reason: text } : { ok: false, reason: text, id };
}

/** A reason for anything that is not a JSON object. */
function rejectNonObject(raw: unknown): ParseResult {
  if (typeof raw === 'string') {
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

/**
 * The fields read from a message besides `Name`, matched as the seed's Go decoder matches them:
 * the exact spelling, else any spelling that differs only in case (see `keyFor`).
 */
const FIELDS_ANY_CASE = ['ID', 'ToRunAt', 'ToRunAfter', 'Timeout', 'Interval', 'EndTime'] as const;
const EXACT_FIELDS: ReadonlySet<string> = new Set(FIELDS_ANY_CASE);
const FOLDED_FIELDS: ReadonlySet<string> = new Set(FIELDS_ANY_CASE.map(foldName));

/** `Name` selects the handler and must be spelled exactly: points at a key that differs in case. */
function nameHint(message: Record<string, unknown>): string {
  const folded = foldName('Name');
  const found = Object.keys(message).filter((key) => key !== 'Name' && foldName(key) === folded);
  return found.length === 0
    ? ''
    : ` (found ${found.map((key) => JSON.stringify(key)).join(', ')}: Name must be spelled ` +
        'exactly so, unlike the other fields)';
}

/**
 * Validates and normalises one task message (its body: the parsed seed message or Nest envelope
 * data, the text when JSON.parse failed, or an `OversizedMessage`). Pure: no I/O, the clock is
 * injected. On success, `spec` is the `TaskSpec` to store (its JSON text is the content
 * fingerprint: keys in interface order, undefined fields omitted, times and durations in ms) and
 * `dueMs` is the first run time. A message without `ID` gets one derived from its text.
 */
export function parseTask(input: ParseInput, options: ParseOptions): ParseResult {
  const raw = input.body;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return rejectNonObject(raw);
  }
  if (isOversizedMessage(raw)) {
    return reject(`message of ${raw.bytes} bytes exceeds the limit of ${raw.limit} bytes`);
  }
  const prototype: unknown = Object.getPrototypeOf(raw);
  if (prototype !== Object.prototype && prototype !== null) {
    return reject(`message must be a JSON object, got ${Object.prototype.toString.call(raw)}`);
  }
  if (nestedDeeperThan(raw, MAX_NESTING_DEPTH)) {
    return reject(`message is nested more than ${MAX_NESTING_DEPTH} levels deep`);
  }

  // The payload keeps every other key in its original order: neither Name nor any spelling of a
  // known field.
  const message = raw as Record<string, unknown>;
  const payload: Record<string, unknown> = {};
  let spelledInOtherCase = false;
  for (const key of Object.keys(message)) {
    if (key === 'Name' || EXACT_FIELDS.has(key) || isForbiddenKey(key)) continue;
    if (FOLDED_FIELDS.has(foldName(key))) spelledInOtherCase = true;
    else payload[key] = message[key];
  }
  // null counts as absent, as in Go.
  const field = (name: (typeof FIELDS_ANY_CASE)[number]): unknown =>
    (spelledInOtherCase ? fieldValue(message, name) : ownValue(message, name)) ?? undefined;
  const rawId = field('ID');
  const rawName = ownValue(message, 'Name') ?? undefined;
  const rawToRunAt = field('ToRunAt');
  const rawToRunAfter = field('ToRunAfter');
  const rawTimeout = field('Timeout');
  const rawInterval = field('Interval');
  const rawEndTime = field('EndTime');

  let id: string | undefined;
  if (rawId !== undefined) {
    const parsed = parseTaskId(rawId);
    if (parsed instanceof FieldError) return reject(parsed);
    id = parsed;
  }

  if (rawName === undefined) {
    return reject(missingField('Name').message + nameHint(message), id);
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
    return reject(missingDueTime(), id);
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

  if (holdsNonFiniteNumber(payload)) {
    return reject('payload holds a number out of range (like 1e400), which JSON cannot carry', id);
  }

  // Keys in TaskSpec's order, undefined fields omitted: the JSON text is the content fingerprint.
  const spec = { id: id ?? messageId(input.text), name } as MutableSpec;
  if (toRunAtMs !== undefined) spec.toRunAtMs = toRunAtMs;
  if (toRunAfterMs !== undefined) spec.toRunAfterMs = toRunAfterMs;
  if (timeoutMs !== undefined) spec.timeoutMs = timeoutMs;
  if (intervalMs !== undefined) spec.intervalMs = intervalMs;
  if (endTimeMs !== undefined) spec.endTimeMs = endTimeMs;
  spec.payload = payload;
  return { ok: true, spec, dueMs };
}
