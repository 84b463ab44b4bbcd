import type { Deserializer } from '@nestjs/microservices';
import { oversizedMessage } from './oversized-message';

/** `seed`: published as is by a producer (the delaytask-go wire format); `nest`: a Nest envelope. */
export type MessageFormat = 'seed' | 'nest';

/**
 * What the task handler receives as `packet.data`.
 * - `body`: for `seed`, the whole parsed message, the text when it was not valid JSON, or an
 *   `OversizedMessage` marker; for `nest`, the envelope's `data`.
 * - `text`: the message exactly as it arrived on the channel, whatever its format: the dead-letter
 *   list keeps it, and a task sent without `ID` gets an ID derived from it.
 */
export interface IncomingTaskMessage {
  readonly format: MessageFormat;
  readonly body: unknown;
  readonly text: string;
  /**
   * What the ID of a task sent without one is derived from, when not its text: a stream entry's
   * ID, so that one entry is one task however often it is delivered.
   */
  readonly idSource?: string;
}

/** The packet for the task channel: an event (never an `id`, so Nest never tries to reply). */
export type IncomingTaskPacket = { pattern: string; data: IncomingTaskMessage };

export type NestEnvelope = { pattern: string; data: unknown; id?: unknown };

const ENVELOPE_KEYS: ReadonlySet<string> = new Set(['pattern', 'data', 'id']);

/**
 * A Nest envelope is a plain object whose keys are a subset of {pattern, data, id} and that has a
 * string `pattern` and a `data`. Anything else is a raw seed message, including a task that has its
 * own `data` field, or a `pattern` field among other fields.
 */
export function isNestEnvelope(value: unknown): value is NestEnvelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const keys = Object.keys(value);
  if (keys.length < 2 || keys.length > 3) return false;
  for (const key of keys) if (!ENVELOPE_KEYS.has(key)) return false;
  const candidate = value as Partial<NestEnvelope>;
  return typeof candidate.pattern === 'string' && keys.includes('data');
}

/**
 * Reads one message text from the task channel, keeping the text as received whatever its format.
 * Its size is measured before parsing, so an oversized message costs no JSON.parse.
 */
export function readTaskMessage(text: string, maxMessageBytes: number): IncomingTaskMessage {
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit: most messages skip the exact count.
  if (text.length * 3 > maxMessageBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxMessageBytes) {
      return { format: 'seed', body: oversizedMessage(bytes, maxMessageBytes), text };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { format: 'seed', body: text, text };
  }
  if (isNestEnvelope(value)) return { format: 'nest', body: value.data, text };
  return { format: 'seed', body: value, text };
}

/**
 * Deserializer for the Redis transport that carries task messages. `DelayTaskTransport.parseMessage`
 * has already read the text (`readTaskMessage`); every message becomes
 * `{ pattern: <task channel>, data: IncomingTaskMessage }`. The transport subscribes to the task
 * channel only, so no other traffic is expected here.
 */
export class TaskMessageDeserializer
  implements Deserializer<IncomingTaskMessage, IncomingTaskPacket>
{
  constructor(readonly channel: string) {}

  deserialize(message: IncomingTaskMessage): IncomingTaskPacket {
    return { pattern: this.channel, data: message };
  }
}
