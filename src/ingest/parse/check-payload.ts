import { checkPayload as checkByClass } from '../../tasks/payload-check';
import { Rejection } from './rejection';
import type { TaskFields } from './validate-fields';

/**
 * How a payload passed: `checked` by its task type's class (the spec is then marked
 * `payloadChecked`, and the runner does not check it again), or `unchecked`, its type having none.
 */
export type PayloadCheck = 'checked' | 'unchecked';

/**
 * Parse step 4: the payload, by the task type's payload class when it has one. The rules check the
 * instance the runner will hand to `run()`; the payload itself is stored as sent, since the stored
 * record is the content's fingerprint. Types without a class cost nothing here.
 */
export function checkPayload(
  fields: TaskFields,
  payload: Record<string, unknown>,
): Rejection | PayloadCheck {
  if (fields.payloadClass === undefined) return 'unchecked';
  const checked = checkByClass(fields.payloadClass, payload);
  return 'refused' in checked ? new Rejection(checked.refused, fields.id) : 'checked';
}
