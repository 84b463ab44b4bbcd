/**
 * Stand-in for a message over the size limit. The transport measures each message BEFORE parsing
 * it and hands on this marker instead of the text, so an oversized message costs no JSON.parse;
 * the deserializer passes it through and `parseTask` rejects it with its size and the limit.
 */
export const OVERSIZED_MESSAGE: unique symbol = Symbol('delaytask.oversized');

/** How much of an oversized message `head` keeps (for logs). */
export const OVERSIZED_HEAD_CHARS = 200;

export interface OversizedMessage {
  readonly [OVERSIZED_MESSAGE]: true;
  /** Size of the message in bytes. */
  readonly bytes: number;
  /** The limit it exceeded, in bytes. */
  readonly limit: number;
  /** The start of the message text, at most `OVERSIZED_HEAD_CHARS` characters. */
  readonly head: string;
}

/** Builds the marker; `head` may be the whole text, it is cut to `OVERSIZED_HEAD_CHARS`. */
export function oversizedMessage(bytes: number, limit: number, head: string): OversizedMessage {
  return {
    [OVERSIZED_MESSAGE]: true,
    bytes,
    limit,
    head: head.length > OVERSIZED_HEAD_CHARS ? head.slice(0, OVERSIZED_HEAD_CHARS) : head,
  };
}

export function isOversizedMessage(value: unknown): value is OversizedMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Partial<OversizedMessage>)[OVERSIZED_MESSAGE] === true
  );
}
