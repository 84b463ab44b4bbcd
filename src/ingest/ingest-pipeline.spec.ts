import fc from 'fast-check';
import { defaultOptions } from '../config/default-options';
import { printable } from '../logging/printable';
import { DEAD_LETTER_ENTRY_MAX_BYTES, deadLetterEntry } from './dead-letter';
import { DelayTaskTransport } from './delay-task.transport';
import { ParseResult, parseTask } from './parse-task';
import { TaskMessageDeserializer } from './task-message.deserializer';
import {
  CHANNEL,
  NOW,
  PARSE_OPTIONS,
  SOON,
  messageText,
} from '../../test/support/message-arbitraries';

/**
 * Property-based fuzzing of ingest, without Redis: generated message texts take the transport's
 * path (parseMessage, the deserializer, parseTask) and, when rejected, become a dead-letter entry
 * and a log line.
 */

const parseOptions = PARSE_OPTIONS;

function transport(maxMessageBytes: number): DelayTaskTransport {
  return new DelayTaskTransport({ ...defaultOptions(), maxMessageBytes });
}
const transports = [transport(defaultOptions().maxMessageBytes), transport(512)];
const deserializer = new TaskMessageDeserializer(CHANNEL);

// eslint-disable-next-line no-control-regex -- what must never reach a log line raw
const UNSAFE_IN_LOG = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('ingest, fuzzed through the transport path', () => {
  it('never throws; accepts with a record and a due time, or rejects with a reason and a bounded dead letter', () => {
    fc.assert(
      fc.property(messageText, fc.integer({ min: 0, max: 9 }), (text, pick) => {
        const message = deserializer.deserialize(
          transports[pick === 0 ? 1 : 0].parseMessage(text),
        ).data;
        expect(message.text).toBe(text);
        const result: ParseResult = parseTask(message, parseOptions);
        if (result.ok) {
          expect(Number.isSafeInteger(result.dueMs)).toBe(true);
          expect(result.spec.id.length).toBeGreaterThan(0);
          // The stored record loses nothing: no number turns into null.
          const marked = JSON.stringify(result.spec, (_key, value: unknown) =>
            typeof value === 'number' && !Number.isFinite(value) ? 'not a JSON number' : value,
          );
          expect(JSON.stringify(result.spec)).toBe(marked);
          return;
        }
        expect(result.reason.length).toBeGreaterThan(0);
        const entry = deadLetterEntry({
          at: new Date(NOW).toISOString(),
          reason: result.reason,
          id: result.id,
          format: message.format,
          text: message.text,
        });
        expect(Buffer.byteLength(entry)).toBeLessThanOrEqual(DEAD_LETTER_ENTRY_MAX_BYTES);
        const kept = (JSON.parse(entry) as { message: string }).message;
        expect(text.startsWith(kept)).toBe(true);
        const logLine = `${printable(result.reason)}; message: ${printable(text, 200)}`;
        expect(logLine).not.toMatch(UNSAFE_IN_LOG);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts the seed message in every case of its known fields, Name aside', () => {
    const spellings = (field: string) =>
      fc.constantFrom(
        field,
        field.toLowerCase(),
        field.toUpperCase(),
        field[0].toLowerCase() + field.slice(1),
      );
    fc.assert(
      fc.property(
        spellings('ID'),
        spellings('ToRunAt'),
        spellings('Timeout'),
        (id, toRunAt, timeout) => {
          const text = `{"Name":"OncePingTask",${JSON.stringify(id)}:"42",${JSON.stringify(toRunAt)}:"${SOON}",${JSON.stringify(timeout)}:"1","Url":"u"}`;
          const result = parseTask(transports[0].parseMessage(text), parseOptions);
          expect(result).toMatchObject({
            ok: true,
            spec: { id: '42', toRunAtMs: NOW + 30_000, timeoutMs: 1000, payload: { Url: 'u' } },
          });
        },
      ),
    );
  });
});
