import type { ScheduleSettings } from '../../domain/schedule-types';
import type { TaskSpec } from '../../domain/task-spec';
import { holdsNonFiniteNumber } from '../json-shape';
import { messageId } from '../message-id';
import { Rejection } from './rejection';
import type { TaskFields } from './validate-fields';

type MutableSpec = { -readonly [K in keyof TaskSpec]: TaskSpec[K] };

/**
 * Parse step 5: the `TaskSpec` to store. Its JSON text is the content fingerprint, so keys come in
 * `TaskSpec`'s order with undefined fields omitted, and the payload must survive JSON unchanged.
 * A message without `ID` is named by `idSource`: its text as received, or its stream entry's ID.
 * `payloadChecked` (the payload class checked the payload in step 4) adds the mark after `payload`,
 * the last key, where the store looks for it (digest.lua's `contentOf`).
 */
export function buildSpec(
  fields: TaskFields,
  payload: Record<string, unknown>,
  idSource: string,
  payloadChecked: boolean,
): TaskSpec | Rejection {
  if (holdsNonFiniteNumber(payload)) {
    return new Rejection(
      'payload holds a number out of range (like 1e400), which JSON cannot carry',
      fields.id,
    );
  }
  const { start } = fields;
  const spec = { id: fields.id ?? messageId(idSource), name: fields.name } as MutableSpec;
  if (start.toRunAtMs !== undefined) spec.toRunAtMs = start.toRunAtMs;
  else if (start.toRunAfterMs !== undefined) spec.toRunAfterMs = start.toRunAfterMs;
  if (fields.timeoutMs !== undefined) spec.timeoutMs = fields.timeoutMs;
  if (fields.intervalMs !== undefined) spec.intervalMs = fields.intervalMs;
  // TaskSpec's key order: the calendar before EndTime, the rules after it.
  copyDefined(spec, fields.schedule, CALENDAR);
  if (fields.endTimeMs !== undefined) spec.endTimeMs = fields.endTimeMs;
  copyDefined(spec, fields.schedule, RULES);
  if (fields.retries !== undefined) spec.retries = fields.retries;
  if (fields.retryDelayMs !== undefined) spec.retryDelayMs = fields.retryDelayMs;
  spec.payload = payload;
  if (payloadChecked) spec.payloadChecked = true;
  return spec;
}

const CALENDAR = ['cron', 'timeZone', 'dstRepeated', 'dstSkipped'] as const;
const RULES = ['catchUp', 'catchUpMax', 'overlap', 'jitterMs', 'maxLatenessMs'] as const;

/**
 * Only the fields that hold a value, in the order given: an absent field stays absent in the
 * stored text. Key by key, since every message passes here.
 */
function copyDefined<K extends keyof ScheduleSettings>(
  spec: MutableSpec,
  settings: ScheduleSettings,
  keys: readonly K[],
): void {
  for (const key of keys) {
    const value = settings[key];
    if (value !== undefined) (spec as Record<K, ScheduleSettings[K]>)[key] = value;
  }
}
