/**
 * Stand-in for the body of a message over the size limit. The deserializer measures each message
 * BEFORE parsing it and hands on this marker instead of a parsed body, so an oversized message
 * costs no JSON.parse; `parseTask` rejects it with its size and the limit.
 */
export const OVERSIZED_MESSAGE: unique symbol = Symbol('delaytask.oversized');

export interface OversizedMessage {
  readonly [OVERSIZED_MESSAGE]: true;
  /** Size of the message in bytes. */
  readonly bytes: number;
  /** The limit it exceeded, in bytes. */
  readonly limit: number;
}

export function oversizedMessage(bytes: number, limit: number): OversizedMessage {
  return { [OVERSIZED_MESSAGE]: true, bytes, limit };
}

export function isOversizedMessage(value: unknown): value is OversizedMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Partial<OversizedMessage>)[OVERSIZED_MESSAGE] === true
  );
}
