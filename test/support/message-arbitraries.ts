import fc from 'fast-check';
import type { ParseOptions } from '../../src/ingest/parse-task';

/**
 * Generated task messages, as texts, for property-based tests of ingest: deep nesting, odd
 * unicode (lone surrogates, controls, separators), numbers JSON cannot carry, prototype keys,
 * Nest envelopes, every known field in every case and form.
 */

export const CHANNEL = 'remote-task0:messageQ';
/** The arrival time the texts' times are relative to. */
export const NOW = Date.UTC(2025, 10, 26, 12);
export const SOON = String(NOW / 1000 + 30);

/** What ingest checks messages against, at NOW, with the ping examples registered. */
export const PARSE_OPTIONS: ParseOptions = {
  nowMs: NOW,
  taskType: (name) => (name === 'OncePingTask' || name === 'PeriodPingTask' ? {} : undefined),
  maxPastMs: 3_600_000,
  maxFutureMs: 10 * 365 * 86_400_000,
  minIntervalMs: 50,
  maxTimeoutMs: 86_400_000,
};

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
export const keyToken = fc
  .oneof(fc.constantFrom(...FIELD_SPELLINGS, ...PROTOTYPE_KEYS), anyUnits)
  .map((key) => JSON.stringify(key));
const deepToken = fc
  .tuple(fc.integer({ min: 1, max: 25_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

export const { value: valueToken } = fc.letrec<{ value: string; array: string; object: string }>(
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
export const likelyTaskText = fc
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

export const messageText = fc.oneof(
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
