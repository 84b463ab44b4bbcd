import type { Type } from '@nestjs/common';
import { type ValidationError, type ValidatorOptions, validateSync } from 'class-validator';
import { messageOf } from '../logging/error-causes';
import { payloadInstance } from './delay-task.decorator';

/**
 * A nested object the payload class leaves plain (no `@Type`) has no rules to check it by: refused
 * rather than waved through. Nothing is whitelisted or stripped: the stored payload stays as sent.
 */
const VALIDATION: ValidatorOptions = { forbidUnknownValues: true };

/**
 * A payload made an instance of its task type's payload class and checked by its rules: the
 * instance, or why it was refused (one message per rule broken). A class whose transform or rule
 * throws on this payload refuses it too. Used where a task arrives (ingest), and before a handler
 * runs a task stored by other means (the CLI, `DelayTaskClient.send`), which was not checked on
 * its way in.
 */
export function checkPayload(
  payloadClass: Type<object>,
  payload: Readonly<Record<string, unknown>>,
): { instance: Readonly<Record<string, unknown>> } | { refused: string } {
  let instance: Readonly<Record<string, unknown>>;
  let errors: ValidationError[];
  try {
    instance = payloadInstance(payloadClass, payload);
    errors = validateSync(instance, VALIDATION);
  } catch (error) {
    const detail = messageOf(error);
    return { refused: `payload could not be checked: ${detail}` };
  }
  if (errors.length === 0) return { instance };
  return { refused: `payload is invalid: ${messagesOf(errors, []).join('; ')}` };
}

/**
 * The payload of a record ingest marked `payloadChecked` (its class checked it on arrival): only
 * made an instance of the class, not checked again. A class that throws on it refuses it, as a
 * check would.
 */
export function payloadOfCheckedRecord(
  payloadClass: Type<object>,
  payload: Readonly<Record<string, unknown>>,
): { instance: Readonly<Record<string, unknown>> } | { refused: string } {
  try {
    return { instance: payloadInstance(payloadClass, payload) };
  } catch (error) {
    const detail = messageOf(error);
    return { refused: `payload could not be made an instance of its class: ${detail}` };
  }
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
