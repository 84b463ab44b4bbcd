import { fieldValue, foldName } from '../../tasks/field-name';

/**
 * A message's fields as the producer sent them, not yet validated, under their canonical names.
 * `undefined` means absent; `null` counts as absent, as in Go.
 */
export interface SentFields {
  readonly id: unknown;
  readonly name: unknown;
  readonly toRunAt: unknown;
  readonly toRunAfter: unknown;
  readonly timeout: unknown;
  readonly interval: unknown;
  readonly endTime: unknown;
  readonly retries: unknown;
  readonly retryDelay: unknown;
  readonly cron: unknown;
  readonly timeZone: unknown;
  readonly dstRepeated: unknown;
  readonly dstSkipped: unknown;
  readonly catchUp: unknown;
  readonly catchUpMax: unknown;
  readonly overlap: unknown;
  readonly jitter: unknown;
  readonly maxLateness: unknown;
  /** Keys that spell `Name` in another case; listed only when `Name` itself is absent. */
  readonly nameMisspellings: readonly string[];
  /** Every other key, in the message's order: neither `Name` nor any spelling of a known field. */
  readonly payload: Record<string, unknown>;
}

/**
 * The fields read besides `Name`, matched as the seed's Go decoder matches them: the exact
 * spelling, else any spelling that differs only in case (see `keyFor`).
 */
const FIELDS_ANY_CASE = [
  'ID',
  'ToRunAt',
  'ToRunAfter',
  'Timeout',
  'Interval',
  'EndTime',
  'Retries',
  'RetryDelay',
  'Cron',
  'TimeZone',
  'DstRepeated',
  'DstSkipped',
  'CatchUp',
  'CatchUpMax',
  'Overlap',
  'Jitter',
  'MaxLateness',
] as const;
const EXACT_FIELDS: ReadonlySet<string> = new Set(FIELDS_ANY_CASE);
const FOLDED_FIELDS: ReadonlySet<string> = new Set(FIELDS_ANY_CASE.map(foldName));
const FOLDED_NAME = foldName('Name');
const NONE: readonly string[] = [];

/** Keys never copied into the payload, so it cannot carry prototype-pollution gadgets. */
function isForbiddenKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

function ownValue(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/**
 * Parse step 1b: picks the known fields out of a message already checked by `checkShape`, and
 * copies the rest into the payload. `Name` selects the handler, so it alone must be spelled
 * exactly; the other fields are read in any case, the exact spelling winning, else the last.
 */
export function readFields(message: Record<string, unknown>): SentFields {
  const payload: Record<string, unknown> = {};
  let spelledInOtherCase = false;
  for (const key of Object.keys(message)) {
    if (key === 'Name' || EXACT_FIELDS.has(key) || isForbiddenKey(key)) continue;
    if (FOLDED_FIELDS.has(foldName(key))) spelledInOtherCase = true;
    else payload[key] = message[key];
  }
  // The case-blind search walks every key, so it runs only for a message that needs it.
  const field = (name: (typeof FIELDS_ANY_CASE)[number]): unknown =>
    (spelledInOtherCase ? fieldValue(message, name) : ownValue(message, name)) ?? undefined;
  const name = ownValue(message, 'Name') ?? undefined;
  return {
    id: field('ID'),
    name,
    toRunAt: field('ToRunAt'),
    toRunAfter: field('ToRunAfter'),
    timeout: field('Timeout'),
    interval: field('Interval'),
    endTime: field('EndTime'),
    retries: field('Retries'),
    retryDelay: field('RetryDelay'),
    cron: field('Cron'),
    timeZone: field('TimeZone'),
    dstRepeated: field('DstRepeated'),
    dstSkipped: field('DstSkipped'),
    catchUp: field('CatchUp'),
    catchUpMax: field('CatchUpMax'),
    overlap: field('Overlap'),
    jitter: field('Jitter'),
    maxLateness: field('MaxLateness'),
    nameMisspellings: name === undefined ? nameMisspellings(message) : NONE,
    payload,
  };
}

function nameMisspellings(message: Record<string, unknown>): readonly string[] {
  return Object.keys(message).filter((key) => key !== 'Name' && foldName(key) === FOLDED_NAME);
}
