import type { TaskSpec } from './task-spec';

/**
 * The record stored for a task: its JSON. The same submission must always give the same text (it
 * is the content's fingerprint), which TaskSpec's fixed key order and parseTask's normalisation
 * ensure. Only the trailing `payloadChecked` mark tells the two doors apart (ingest, with a payload
 * class; the outside door), and the store's scripts compare records without it.
 */
export function encodeRecord(spec: TaskSpec): string {
  return JSON.stringify(spec);
}

/** TaskSpec's optional fields, by what a valid record holds in them when present. */
const OPTIONAL_NUMBERS = [
  'toRunAtMs',
  'toRunAfterMs',
  'timeoutMs',
  'intervalMs',
  'endTimeMs',
  'retries',
  'retryDelayMs',
  'catchUpMax',
  'jitterMs',
  'maxLatenessMs',
] as const;
const OPTIONAL_TEXTS = [
  'cron',
  'timeZone',
  'dstRepeated',
  'dstSkipped',
  'catchUp',
  'overlap',
] as const;

/**
 * The TaskSpec a stored record holds, or undefined when it holds none (a record written by
 * something else than ingest): checked, not cast, since a handler is about to trust it. Runs once
 * per started run, so it makes nothing beyond what JSON.parse makes.
 */
export function decodeRecord(record: string): TaskSpec | undefined {
  let value: unknown;
  try {
    value = JSON.parse(record);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const spec = value as Record<string, unknown>;
  if (typeof spec.id !== 'string' || typeof spec.name !== 'string') return undefined;
  const { payload } = spec;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  for (const field of OPTIONAL_NUMBERS) {
    if (spec[field] !== undefined && !Number.isSafeInteger(spec[field])) return undefined;
  }
  for (const field of OPTIONAL_TEXTS) {
    if (spec[field] !== undefined && typeof spec[field] !== 'string') return undefined;
  }
  // Only ingest's `true` spares the runner its check; any other value is read as absent (the
  // payload is then checked in full), never a reason to refuse the record.
  if (spec.payloadChecked !== undefined && spec.payloadChecked !== true) delete spec.payloadChecked;
  return spec as unknown as TaskSpec;
}
