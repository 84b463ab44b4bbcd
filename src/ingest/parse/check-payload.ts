import { type ValidationError, type ValidatorOptions, validateSync } from 'class-validator';
import { payloadInstance } from '../../tasks/delay-task.decorator';
import { Rejection } from './rejection';
import type { TaskFields } from './validate-fields';

/**
 * A nested object the payload class leaves plain (no `@Type`) has no rules to check it by: refused
 * rather than waved through. Nothing is whitelisted or stripped: the stored payload stays as sent.
 */
const VALIDATION: ValidatorOptions = { forbidUnknownValues: true };

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
  let errors: ValidationError[];
  try {
    errors = validateSync(payloadInstance(fields.payloadClass, payload), VALIDATION);
  } catch (error) {
    // A custom transform or rule that throws on this input: the message's fault, not ingest's.
    const detail = error instanceof Error ? error.message : String(error);
    return new Rejection(`payload could not be checked: ${detail}`, fields.id);
  }
  if (errors.length === 0) return undefined;
  return new Rejection(`payload is invalid: ${messagesOf(errors, []).join('; ')}`, fields.id);
}

/** The rules' messages, each about one field of the payload or of an object nested in it. */
function messagesOf(errors: readonly ValidationError[], parents: readonly string[]): string[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) => placed(message, error, parents)),
    ...messagesOf(error.children ?? [], [...parents, error.property]),
  ]);
}

/**
 * A message names its own field (`host must be a string`): a nested one gets the path to it
 * (`target.host must …`). An unknown value's error has no field (class-validator leaves `property`
 * undefined, whatever its type says), so its message goes after the path (`target: an unknown …`).
 */
function placed(message: string, error: ValidationError, parents: readonly string[]): string {
  if (parents.length === 0) return message;
  const path = parents.join('.');
  return (error.property as string | undefined) === undefined
    ? `${path}: ${message}`
    : `${path}.${message}`;
}
