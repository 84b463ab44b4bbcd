import { checkPayload as checkByClass } from '../../tasks/payload-check';
import { Rejection } from './rejection';
import type { TaskFields } from './validate-fields';

/**
 * Parse step 4: the payload, by the task type's payload class when it has one. The rules check the
 * instance the runner will hand to `run()`; the payload itself is stored as sent, since the stored
 * record is the content's fingerprint. Types without a class cost nothing here.
 */
export function checkPayload(
  fields: TaskFields,
  payload: Record<string, unknown>,
): Rejection | undefined {
  if (fields.payloadClass === undefined) return undefined;
  const checked = checkByClass(fields.payloadClass, payload);
  return 'refused' in checked ? new Rejection(checked.refused, fields.id) : undefined;
}
