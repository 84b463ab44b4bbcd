import { messageOf } from '../../logging/error-causes';
import { MAX_NESTING_DEPTH, nestedDeeperThan } from '../json-shape';
import { isOversizedMessage } from '../oversized-message';
import { describeValue, truncate } from '../task-fields';
import { Rejection } from './rejection';

/**
 * Parse step 1a: the message body must be a plain JSON object no deeper than `MAX_NESTING_DEPTH`.
 * The depth is checked before any field is read, so no later step walks a hostile value.
 */
export function checkShape(body: unknown): Record<string, unknown> | Rejection {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return notAnObject(body);
  if (isOversizedMessage(body)) {
    return new Rejection(`message of ${body.bytes} bytes exceeds the limit of ${body.limit} bytes`);
  }
  const prototype: unknown = Object.getPrototypeOf(body);
  if (prototype !== Object.prototype && prototype !== null) {
    return new Rejection(
      `message must be a JSON object, got ${Object.prototype.toString.call(body)}`,
    );
  }
  if (nestedDeeperThan(body, MAX_NESTING_DEPTH)) {
    return new Rejection(`message is nested more than ${MAX_NESTING_DEPTH} levels deep`);
  }
  return body as Record<string, unknown>;
}

/** A reason for anything that is not a JSON object. */
function notAnObject(body: unknown): Rejection {
  if (typeof body === 'string') {
    try {
      JSON.parse(body);
    } catch (error) {
      const detail = messageOf(error);
      return new Rejection(`malformed JSON: ${truncate(detail, 200)}`);
    }
    // Valid JSON that arrived as a string: a Nest client that emitted an already-encoded text.
    return new Rejection(
      `message must be a JSON object, got a string holding JSON (encoded twice?): ${describeValue(body)}`,
    );
  }
  if (Array.isArray(body)) return new Rejection('message must be a JSON object, got an array');
  return new Rejection(`message must be a JSON object, got ${describeValue(body)}`);
}
