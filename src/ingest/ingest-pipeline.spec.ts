import fc from 'fast-check';
import { defaultOptions } from '../delay-task.constants';
import { printable } from '../logging/printable';
import { DEAD_LETTER_ENTRY_MAX_BYTES, deadLetterEntry } from './dead-letter';
import { DelayTaskTransport } from './delay-task.transport';
import { ParseOptions, ParseResult, parseTask } from './parse-task';
import { TaskMessageDeserializer } from './task-message.deserializer';

/**
 * Property-based fuzzing of ingest, without Redis: generated message texts take the transport's
 * path (parseMessage, the deserializer, parseTask) and, when rejected, become a dead-letter entry
 * and a log line.
 */

const CHANNEL = 'remote-task0:messageQ';
const NOW = Date.UTC(2025, 10, 26, 12);
const SOON = String(NOW / 1000 + 30);

const parseOptions: ParseOptions = {
  nowMs: NOW,
  isKnownTask: (name) => name === 'OncePingTask' || name === 'PeriodPingTask',
  maxPastMs: 3_600_000,
  maxFutureMs: 10 * 365 * 86_400_000,
  minIntervalMs: 50,
  maxTimeoutMs: 86_400_000,
};

function transport(maxMessageBytes: number): DelayTaskTransport {
  return new DelayTaskTransport({ ...defaultOptions(), maxMessageBytes });
}
const transports = [transport(defaultOptions().maxMessageBytes), transport(512)];
const deserializer = new TaskMessageDeserializer(CHANNEL);

/** Any UTF-16 code units: lone surrogates, controls, line separators, bidi overrides. */
const anyUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

const FIELD_SPELLINGS = ['ID', 'Name', 'ToRunAt', 'ToRunAfter', 'Timeout', 'Interval', 'EndTime']
  .flatMap((field) => [
    field,
    field.toLowerCase(),
    field.toUpperCase(),
    field[0].toLowerCase() + field.slice(1),
  ])
  .concat(['Url', 'data', 'pattern', 'id', 'payload']);
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

const numberToken = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1e-400', '12345678901234567890', '9007199254740993', '-0'),
  fc.constantFrom('0', '0.05', '30', SOON, `${SOON}.250`, '1e21', '86401'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.integer().map(String),
);
const stringToken = fc.oneof(
  anyUnits.map((text) => JSON.stringify(text)),
  // Raw, unescaped: control characters and quotes may make the JSON malformed, on purpose.
  anyUnits.map((text) => `"${text}"`),
  fc
    .constantFrom('OncePingTask', 'PeriodPingTask', 'NoSuchTask', SOON, '2026-11-26T13:00:00Z')
    .map((text) => JSON.stringify(text)),
  fc.constantFrom('"0.05"', '"-5"', '""', '"10"', '"1e999"'),
);
const keyToken = fc
  .oneof(fc.constantFrom(...FIELD_SPELLINGS, ...PROTOTYPE_KEYS), anyUnits)
  .map((key) => JSON.stringify(key));
const deepToken = fc
  .tuple(fc.integer({ min: 1, max: 25_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

const { value: valueToken } = fc.letrec<{ value: string; array: string; object: string }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      numberToken,
      stringToken,
      fc.constantFrom('null', 'true', 'false'),
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    object: fc
      .array(fc.tuple(keyToken, tie('value')), { maxLength: 5 })
      .map((entries) => `{${entries.map(([key, value]) => `${key}:${value}`).join(',')}}`),
  }),
);

const sometimesDeep = fc.oneof(
  { arbitrary: valueToken, weight: 9 },
  { arbitrary: deepToken, weight: 1 },
);

/** A task-like object: known fields in every case and form, prototype keys, deep values. */
const taskText = fc
  .tuple(
    fc.constantFrom('"OncePingTask"', '"PeriodPingTask"', '"NoSuchTask"', 'null', '5'),
    fc.array(fc.tuple(keyToken, sometimesDeep), { maxLength: 8 }),
    fc.boolean(),
  )
  .map(([name, entries, named]) => {
    const fields = entries.map(([key, value]) => `${key}:${value}`);
    if (named) fields.unshift(`"Name":${name}`);
    return `{${fields.join(',')}}`;
  });

const spelling = (field: string) =>
  fc.constantFrom(
    field,
    field.toLowerCase(),
    field.toUpperCase(),
    field[0].toLowerCase() + field.slice(1),
  );

/** Mostly valid tasks: every known field in some case and form, plus random extra fields. */
const likelyTaskText = fc
  .tuple(
    fc.constantFrom('OncePingTask', 'PeriodPingTask'),
    fc.option(fc.tuple(spelling('ID'), fc.oneof(numberToken, stringToken))),
    fc.oneof(
      fc.tuple(spelling('ToRunAt'), fc.constantFrom(SOON, `"${SOON}.5"`, '"2026-11-26T13:00:00Z"')),
      fc.tuple(spelling('ToRunAfter'), fc.constantFrom('0', '"1.5"', '3600', '1e400')),
    ),
    fc.option(fc.tuple(spelling('Timeout'), fc.constantFrom('1', '"0.5"', '0', '"x"'))),
    fc.option(fc.tuple(spelling('Interval'), fc.constantFrom('60', '"0.05"', '0.01'))),
    fc.option(fc.tuple(spelling('EndTime'), fc.constantFrom(String(NOW / 1000 + 600), '1e400'))),
    fc.array(fc.tuple(keyToken, sometimesDeep), { maxLength: 3 }),
  )
  .map(([name, ...fields]) => {
    const extra = fields.pop() as [string, string][];
    const known = (fields as ([string, string] | null)[])
      .filter((field): field is [string, string] => field !== null)
      .map(([key, value]) => `${JSON.stringify(key)}:${value}`);
    const others = extra.map(([key, value]) => `${key}:${value}`);
    return `{"Name":"${name}",${[...known, ...others].join(',')}}`;
  });

const messageText = fc.oneof(
  likelyTaskText,
  likelyTaskText.map((task) => `{"pattern":${JSON.stringify(CHANNEL)},"data":${task}}`),
  taskText,
  taskText.map((task) => `{"pattern":${JSON.stringify(CHANNEL)},"data":${task}}`),
  taskText.map((task) => `{"pattern":"p","data":${task},"id":"r1"}`),
  deepToken,
  valueToken,
  anyUnits,
  fc.json(),
);

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
