import type { Deserializer } from '@nestjs/microservices';
import { isOversizedMessage } from './oversized-message';

/**
 * What the task handler receives as `packet.data`.
 * - `seed`: a message published by a producer (the delaytask-go wire format); `body` is the whole
 *   parsed message, the text when it was not valid JSON, or an `OversizedMessage` marker.
 * - `nest`: the `data` of a Nest envelope from `ClientProxy.emit(channel, task)`.
 * `rawText` is the message text when the transport handed over text (JSON.parse failed).
 */
export type IncomingTaskMessage = { format: 'seed' | 'nest'; body: unknown; rawText?: string };

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
 * Deserializer for the Redis transport that carries task messages. Nest's ServerRedis calls
 * `parseMessage(text)` (JSON.parse, or the text itself when that fails) and hands the result here
 * with `{ channel }`, then routes the packet by channel; every message becomes
 * `{ pattern: <task channel>, data: IncomingTaskMessage }`. The transport subscribes to the task
 * channel only, so no other traffic is expected here.
 */
export class TaskMessageDeserializer implements Deserializer<unknown, IncomingTaskPacket> {
  constructor(readonly channel: string) {}

  deserialize(value: unknown, _options?: Record<string, unknown>): IncomingTaskPacket {
    return { pattern: this.channel, data: toTaskMessage(value) };
  }
}

/** Classifies one parsed message (see `IncomingTaskMessage`). */
export function toTaskMessage(value: unknown): IncomingTaskMessage {
  if (typeof value === 'string') return { format: 'seed', body: value, rawText: value };
  if (value instanceof Uint8Array) {
    const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    return { format: 'seed', body: text, rawText: text };
  }
  if (isOversizedMessage(value)) return { format: 'seed', body: value };
  if (isNestEnvelope(value)) return { format: 'nest', body: value.data };
  return { format: 'seed', body: value };
}
