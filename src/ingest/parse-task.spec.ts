import { IsString, Length } from 'class-validator';
import { messageId } from './message-id';
import { MAX_NESTING_DEPTH } from './json-shape';
import { oversizedMessage } from './oversized-message';
import { ParseOptions, ParseResult, parseTask } from './parse-task';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** 2025-11-26T12:00:00Z */
const NOW = Date.UTC(2025, 10, 26, 12);
/** What JSON.parse makes of an int64 ID sent as a number. */
const LOSSY_ID = JSON.parse('12345678901234567890') as number;

function options(overrides: Partial<ParseOptions> = {}): ParseOptions {
  return {
    nowMs: NOW,
    taskType: (name) => (name === 'OncePingTask' || name === 'PeriodPingTask' ? {} : undefined),
    maxPastMs: HOUR,
    maxFutureMs: 10 * 365 * DAY,
    minIntervalMs: 50,
    maxTimeoutMs: DAY,
    ...overrides,
  };
}

/** Parses `raw` as if it arrived as `text` (by default its JSON text). */
function parse(raw: unknown, overrides?: Partial<ParseOptions>, text = textOf(raw)): ParseResult {
  return parseTask({ body: raw, text }, options(overrides));
}

function textOf(raw: unknown): string {
  return typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? String(raw));
}

function accept(raw: unknown, overrides?: Partial<ParseOptions>) {
  const result = parse(raw, overrides);
  if (!result.ok) throw new Error(`rejected: ${result.reason}`);
  return result;
}

function reasonFor(raw: unknown, overrides?: Partial<ParseOptions>): string {
  const result = parse(raw, overrides);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.spec)}`);
  return result.reason;
}

/** A valid once task due in 30 s, with `fields` merged in (undefined deletes a field). */
function once(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return withFields(
    {
      ID: '1000000000123457',
      Name: 'OncePingTask',
      ToRunAt: String(NOW / 1000 + 30),
      Timeout: '1',
      Url: 'http://www.baidu.com',
    },
    fields,
  );
}

/** A valid periodic task, first run in 30 s, every minute for 10 minutes. */
function periodic(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return withFields(
    {
      ID: '2000000000123457',
      Name: 'PeriodPingTask',
      ToRunAt: String(NOW / 1000 + 30),
      Timeout: '1',
      Interval: '60',
      EndTime: String(NOW / 1000 + 630),
      Url: 'http://www.baidu.com',
    },
    fields,
  );
}

function withFields(base: Record<string, unknown>, fields: Record<string, unknown>) {
  const message = { ...base, ...fields };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete message[key];
  return message;
}

describe('parseTask: seed messages', () => {
  it('accepts the README once task (ToRunAt wins over ToRunAfter, which is not stored)', () => {
    const result = accept({
      ID: '1000000000123457',
      Name: 'OncePingTask',
      ToRunAt: String(NOW / 1000 + 31),
      ToRunAfter: '10',
      Timeout: '1',
      Url: 'http://www.baidu.com',
    });
    expect(JSON.stringify(result.spec)).toBe(
      `{"id":"1000000000123457","name":"OncePingTask","toRunAtMs":${NOW + 31000},` +
        `"timeoutMs":1000,"payload":{"Url":"http://www.baidu.com"}}`,
    );
    expect(result.dueMs).toBe(NOW + 31000);
  });

  it('accepts the README periodic task', () => {
    const result = accept(periodic());
    expect(JSON.stringify(result.spec)).toBe(
      `{"id":"2000000000123457","name":"PeriodPingTask","toRunAtMs":${NOW + 30000},` +
        `"timeoutMs":1000,"intervalMs":60000,"endTimeMs":${NOW + 630000},` +
        `"payload":{"Url":"http://www.baidu.com"}}`,
    );
    expect(result.dueMs).toBe(NOW + 30000);
  });

  it('builds the spec with keys in TaskSpec order whatever the message order', () => {
    const result = accept({
      Url: 'u',
      EndTime: NOW / 1000 + 600,
      Interval: 60,
      Timeout: 2,
      ToRunAt: NOW / 1000 + 60,
      Name: 'PeriodPingTask',
      ID: 7,
    });
    expect(Object.keys(result.spec)).toEqual([
      'id',
      'name',
      'toRunAtMs',
      'timeoutMs',
      'intervalMs',
      'endTimeMs',
      'payload',
    ]);
    expect(Object.keys(accept(once({ ToRunAt: undefined, ToRunAfter: '5' })).spec)).toEqual([
      'id',
      'name',
      'toRunAfterMs',
      'timeoutMs',
      'payload',
    ]);
  });
});

describe('parseTask: ID', () => {
  it.each([
    ['1000000000123457', '1000000000123457'],
    [1000000000123457, '1000000000123457'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [0, '0'],
    [-42, '-42'],
    ['0042', '0042'],
    ['123e4567-e89b-12d3-a456-426614174000', '123e4567-e89b-12d3-a456-426614174000'],
    ['x'.repeat(128), 'x'.repeat(128)],
  ])('keeps %j as the string %j', (id, expected) => {
    expect(accept(once({ ID: id })).spec.id).toBe(expected);
  });

  it('derives the ID of a message without one from its text as received', () => {
    const text = JSON.stringify(once({ ID: undefined }));
    expect(parse(JSON.parse(text)).ok).toBe(true);
    expect(accept(JSON.parse(text)).spec.id).toBe(messageId(text));
    const spaced = text.replace(/,/g, ', ');
    expect(parse(JSON.parse(spaced), {}, spaced)).toMatchObject({
      ok: true,
      spec: { id: messageId(spaced) },
    });
    expect(messageId(spaced)).not.toBe(messageId(text));
  });

  it('treats a null ID as absent', () => {
    expect(accept(once({ ID: null })).spec.id).toMatch(/^msg:[0-9a-f]{32}$/);
  });

  it('gives the same ID to the same text on every instance and at any time', () => {
    const text = JSON.stringify(once({ ID: undefined, ToRunAt: undefined, ToRunAfter: '10' }));
    const first = accept(JSON.parse(text), { nowMs: NOW });
    const later = accept(JSON.parse(text), { nowMs: NOW + HOUR });
    expect(later.spec).toEqual(first.spec);
  });

  it.each<[unknown, string]>([
    [
      LOSSY_ID,
      'ID 12345678901234567000 is not a safe integer: digits were lost when the JSON was parsed; ' +
        'send the ID as a string',
    ],
    [2 ** 53, 'ID 9007199254740992 is not a safe integer'],
    [1.5, 'ID 1.5 is not an integer'],
    [NaN, 'ID NaN is not a finite number'],
    [Infinity, 'ID Infinity is not a finite number'],
    ['', 'ID "" is empty'],
    ['a b', 'ID "a b" contains whitespace or control characters'],
    [' 42', 'ID " 42" contains whitespace or control characters'],
    ['42\n', 'ID "42\\n" contains whitespace or control characters'],
    ['4\u00002', 'ID "4\\u00002" contains whitespace or control characters'],
    ['4\u200b2', 'ID "4\u200b2" contains whitespace or control characters'],
    ['4\ud8002', 'ID "4\\ud8002" contains whitespace or control characters'],
    ['x'.repeat(129), `ID "${'x'.repeat(80)}"… is longer than 128 characters`],
    [true, 'ID must be a string or an integer, got true'],
    [{ n: 1 }, 'ID must be a string or an integer, got {"n":1}'],
    [[1], 'ID must be a string or an integer, got [1]'],
  ])('rejects ID %j', (id, reason) => {
    const result = parse(once({ ID: id }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason.startsWith(reason)).toBe(true);
    expect(result.id).toBeUndefined();
    expect('id' in result).toBe(false);
  });

  it('returns the valid ID with later rejections', () => {
    expect(parse(once({ ID: 99, Name: 'Nope' }))).toEqual({
      ok: false,
      reason: 'unknown task name "Nope"',
      id: '99',
    });
  });
});

describe('parseTask: Name', () => {
  it.each<[unknown, string]>([
    [undefined, 'Name is missing'],
    [null, 'Name is missing'],
    ['', 'Name "" is empty'],
    [5, 'Name must be a non-empty string, got 5'],
    [['OncePingTask'], 'Name must be a non-empty string, got ["OncePingTask"]'],
    ['Nope', 'unknown task name "Nope"'],
    ['onceping task', 'unknown task name "onceping task"'],
    ['N'.repeat(200), `unknown task name "${'N'.repeat(80)}"…`],
  ])('rejects Name %j', (name, reason) => {
    expect(reasonFor(once({ Name: name }))).toBe(reason);
  });

  it('points at a Name sent with another case: it alone must be spelled exactly', () => {
    expect(reasonFor(once({ Name: undefined, name: 'OncePingTask' }))).toBe(
      'Name is missing (found "name": Name must be spelled exactly so, unlike the other fields)',
    );
    expect(reasonFor(once({ Name: undefined, NAME: 'x', nAmE: 'y' }))).toBe(
      'Name is missing (found "NAME", "nAmE": Name must be spelled exactly so, unlike the other ' +
        'fields)',
    );
  });

  it('asks the registry about the exact name, once', () => {
    const taskType = jest.fn(() => ({}));
    accept(once({ Name: 'Custom.Task' }), { taskType });
    expect(taskType.mock.calls).toEqual([['Custom.Task']]);
  });
});

describe('parseTask: ToRunAt forms', () => {
  const future = NOW / 1000 + 3600; // whole seconds
  it.each<[unknown, number]>([
    [String(future), future * 1000],
    [future, future * 1000],
    [`${future}.123`, future * 1000 + 123],
    [future + 0.123, future * 1000 + 123],
    [`${future}.1`, future * 1000 + 100],
    [`${future}.05`, future * 1000 + 50],
    [`${future}.000`, future * 1000],
    [`${future}.0004`, future * 1000],
    [`${future}.0005`, future * 1000 + 1],
    [`${future}.9996`, future * 1000 + 1000],
    [`000${future}`, future * 1000],
    ['2025-11-26T13:00:00Z', NOW + HOUR],
    ['2025-11-26T13:00:00.250Z', NOW + HOUR + 250],
    ['2025-11-26T13:00:00.2Z', NOW + HOUR + 200],
    ['2025-11-26T13:00:00.12345Z', NOW + HOUR + 123],
    ['2025-11-26T13:00Z', NOW + HOUR],
    ['2025-11-26T14:00:00+01:00', NOW + HOUR],
    ['2025-11-26T14:00:00+0100', NOW + HOUR],
    ['2025-11-26T14:00:00+01', NOW + HOUR],
    ['2025-11-26T07:30:00-05:30', NOW + HOUR],
    ['2025-11-26t13:00:00z', NOW + HOUR],
    ['2025-11-26 13:00:00Z', NOW + HOUR],
  ])('reads %j', (toRunAt, ms) => {
    const result = accept(once({ ToRunAt: toRunAt }));
    expect(result.spec.toRunAtMs).toBe(ms);
    expect(result.dueMs).toBe(ms);
  });

  it('converts decimal seconds without floating-point error', () => {
    expect(accept(once({ ToRunAt: '1764160000.123' })).spec.toRunAtMs).toBe(1764160000123);
    expect(accept(once({ ToRunAt: 1764160000.123 })).spec.toRunAtMs).toBe(1764160000123);
    expect(accept(once({ ToRunAt: '1764160000.123456789' })).spec.toRunAtMs).toBe(1764160000123);
    expect(accept(once({ ToRunAt: 1764160000.1235 })).spec.toRunAtMs).toBe(1764160000124);
    expect(accept(once({ ToRunAt: '1764160000.005' })).spec.toRunAtMs).toBe(1764160000005);
  });

  it.each<[unknown, string]>([
    ['', 'ToRunAt "" is empty'],
    ['abc', 'ToRunAt "abc" is not unix seconds'],
    ['1e999', 'ToRunAt "1e999" is not unix seconds'],
    ['1.7e9', 'ToRunAt "1.7e9" is not unix seconds'],
    ['-5', 'ToRunAt "-5" is negative'],
    [-5, 'ToRunAt -5 is negative'],
    [' 1764160000', 'ToRunAt " 1764160000" is not unix seconds'],
    ['1764160000.', 'ToRunAt "1764160000." is not unix seconds'],
    ['.5', 'ToRunAt ".5" is not unix seconds'],
    ['+1764160000', 'ToRunAt "+1764160000" is not unix seconds'],
    ['0x10', 'ToRunAt "0x10" is not unix seconds'],
    ['1764160000,5', 'ToRunAt "1764160000,5" is not unix seconds'],
    ['NaN', 'ToRunAt "NaN" is not unix seconds'],
    [NaN, 'ToRunAt NaN is not a finite number'],
    [Infinity, 'ToRunAt Infinity is not a finite number'],
    ['99999999999999999999', 'ToRunAt "99999999999999999999" is out of range'],
    ['9007199254741', 'ToRunAt "9007199254741" is out of range'],
    [1e21, 'ToRunAt 1e+21 is out of range'],
    [true, 'ToRunAt must be unix seconds (number or string) or an ISO-8601 string, got true'],
    [{}, 'ToRunAt must be unix seconds (number or string) or an ISO-8601 string, got {}'],
    [[1], 'ToRunAt must be unix seconds (number or string) or an ISO-8601 string, got [1]'],
    ['2025-11-26T13:00:00', 'ToRunAt "2025-11-26T13:00:00" has no timezone (add Z or ±hh:mm)'],
    ['2025-11-26', 'ToRunAt "2025-11-26" is not unix seconds'],
    ['2025-02-29T13:00:00Z', 'ToRunAt "2025-02-29T13:00:00Z" is not a valid date and time'],
    ['2025-11-26T24:00:00Z', 'ToRunAt "2025-11-26T24:00:00Z" is not a valid date and time'],
    ['2025-11-26T13:60:00Z', 'ToRunAt "2025-11-26T13:60:00Z" is not a valid date and time'],
    ['2025-13-01T13:00:00Z', 'ToRunAt "2025-13-01T13:00:00Z" is not a valid date and time'],
    ['2025-00-01T13:00:00Z', 'ToRunAt "2025-00-01T13:00:00Z" is not a valid date and time'],
    ['2025-11-26T13:00:00+25:00', 'ToRunAt "2025-11-26T13:00:00+25:00" is not a valid date'],
    ['1969-12-31T23:59:59Z', 'ToRunAt "1969-12-31T23:59:59Z" is before 1970'],
    ['1970-01-01T00:30:00+01:00', 'ToRunAt "1970-01-01T00:30:00+01:00" is before 1970'],
    ['Wed, 26 Nov 2025 13:00:00 GMT', 'ToRunAt "Wed, 26 Nov 2025 13:00:00 GMT" is not unix'],
  ])('rejects ToRunAt %j', (toRunAt, reason) => {
    const result = parse(once({ ToRunAt: toRunAt }));
    expect(result).toMatchObject({ ok: false, id: '1000000000123457' });
    if (!result.ok) expect(result.reason.startsWith(reason)).toBe(true);
  });

  it('quotes at most 80 characters of a bad value', () => {
    const reason = reasonFor(once({ ToRunAt: '9'.repeat(10) + 'x'.repeat(1000) }));
    expect(reason).toContain(`ToRunAt "${'9'.repeat(10)}${'x'.repeat(70)}"… is not unix seconds`);
    expect(reason.length).toBeLessThan(250);
  });
});

describe('parseTask: ToRunAfter', () => {
  it.each<[unknown, number]>([
    ['10', 10000],
    [10, 10000],
    ['0.25', 250],
    [0.25, 250],
    ['0', 0],
    [0, 0],
    ['0.0004', 0],
    [0.1 + 0.2, 300],
  ])('reads %j as a delay after arrival, stored relative', (after, ms) => {
    const result = accept(once({ ToRunAt: undefined, ToRunAfter: after }));
    expect(result.spec.toRunAfterMs).toBe(ms);
    expect(result.spec.toRunAtMs).toBeUndefined();
    expect('toRunAtMs' in result.spec).toBe(false);
    expect(result.dueMs).toBe(NOW + ms);
  });

  it('uses ToRunAfter when ToRunAt is null', () => {
    expect(accept(once({ ToRunAt: null, ToRunAfter: '3' })).dueMs).toBe(NOW + 3000);
  });

  it('ignores ToRunAfter entirely when ToRunAt is present', () => {
    const plain = accept(once());
    for (const after of ['10', 'garbage', -1, { x: 1 }]) {
      const result = accept(once({ ToRunAfter: after }));
      expect(JSON.stringify(result.spec)).toBe(JSON.stringify(plain.spec));
      expect(result.spec.payload).not.toHaveProperty('ToRunAfter');
    }
  });

  it.each<[unknown, string]>([
    ['', 'ToRunAfter "" is empty'],
    ['abc', 'ToRunAfter "abc" is not a plain decimal number of seconds'],
    ['1e999', 'ToRunAfter "1e999" is not a plain decimal number of seconds'],
    ['-5', 'ToRunAfter "-5" is negative'],
    [-5, 'ToRunAfter -5 is negative'],
    [-0.5, 'ToRunAfter -0.5 is negative'],
    [NaN, 'ToRunAfter NaN is not a finite number'],
    [-Infinity, 'ToRunAfter -Infinity is not a finite number'],
    [false, 'ToRunAfter must be a number or a string of seconds, got false'],
    [{ s: 5 }, 'ToRunAfter must be a number or a string of seconds, got {"s":5}'],
    ['10s', 'ToRunAfter "10s" is not a plain decimal number of seconds'],
    ['2025-11-26T13:00:00Z', 'ToRunAfter "2025-11-26T13:00:00Z" is not a plain decimal'],
    ['400000000', 'ToRunAfter "400000000" is 4629d 15h in the future, beyond the limit of 3650d'],
  ])('rejects ToRunAfter %j', (after, reason) => {
    expect(reasonFor(once({ ToRunAt: undefined, ToRunAfter: after }))).toMatch(
      new RegExp(`^${escapeRegExp(reason)}`),
    );
  });

  it('requires ToRunAt or ToRunAfter', () => {
    expect(reasonFor(once({ ToRunAt: undefined }))).toBe('ToRunAt or ToRunAfter is required');
    expect(reasonFor(once({ ToRunAt: null, ToRunAfter: null }))).toBe(
      'ToRunAt or ToRunAfter is required',
    );
    expect(reasonFor(once({ ToRunAt: undefined, ToRunAtMs: '5', RunAfter: 1 }))).toBe(
      'ToRunAt or ToRunAfter is required',
    );
  });
});

describe('parseTask: Timeout', () => {
  it.each<[unknown, number]>([
    ['1', 1000],
    [1, 1000],
    ['1.0', 1000],
    ['0.5', 500],
    [0.001, 1],
    ['86400', DAY],
  ])('reads %j', (timeout, ms) => {
    expect(accept(once({ Timeout: timeout })).spec.timeoutMs).toBe(ms);
  });

  it('leaves it out when absent or null (the runner applies its default)', () => {
    for (const timeout of [undefined, null]) {
      const spec = accept(once({ Timeout: timeout })).spec;
      expect('timeoutMs' in spec).toBe(false);
    }
  });

  it.each<[unknown, string]>([
    ['0', 'Timeout "0" must be greater than 0'],
    [0, 'Timeout 0 must be greater than 0'],
    ['0.0004', 'Timeout "0.0004" must be greater than 0'],
    ['86400.001', 'Timeout "86400.001" exceeds the maximum of 1d'],
    [90000, 'Timeout 90000 exceeds the maximum of 1d'],
    ['', 'Timeout "" is empty'],
    ['abc', 'Timeout "abc" is not a plain decimal number of seconds'],
    ['1e999', 'Timeout "1e999" is not a plain decimal number of seconds'],
    ['-5', 'Timeout "-5" is negative'],
    [NaN, 'Timeout NaN is not a finite number'],
    [Infinity, 'Timeout Infinity is not a finite number'],
    [true, 'Timeout must be a number or a string of seconds, got true'],
    [{}, 'Timeout must be a number or a string of seconds, got {}'],
  ])('rejects Timeout %j', (timeout, reason) => {
    expect(reasonFor(once({ Timeout: timeout }))).toBe(
      reason.endsWith('seconds') ? `${reason} (e.g. "30" or "0.25")` : reason,
    );
  });
});

describe('parseTask: Interval and EndTime', () => {
  it.each<[unknown, number]>([
    ['60', MINUTE],
    [60, MINUTE],
    ['0.05', 50],
    [0.05, 50],
    ['1.5', 1500],
  ])('reads Interval %j', (interval, ms) => {
    expect(accept(periodic({ Interval: interval, EndTime: undefined })).spec.intervalMs).toBe(ms);
  });

  it.each<[unknown, string]>([
    ['0.049', 'Interval "0.049" is below the minimum of 50ms'],
    ['0', 'Interval "0" must be greater than 0'],
    ['', 'Interval "" is empty'],
    ['abc', 'Interval "abc" is not a plain decimal number of seconds'],
    ['1e999', 'Interval "1e999" is not a plain decimal number of seconds'],
    ['-60', 'Interval "-60" is negative'],
    [NaN, 'Interval NaN is not a finite number'],
    [true, 'Interval must be a number or a string of seconds, got true'],
    [[60], 'Interval must be a number or a string of seconds, got [60]'],
  ])('rejects Interval %j', (interval, reason) => {
    const text = reasonFor(periodic({ Interval: interval, EndTime: undefined }));
    expect(text.startsWith(reason)).toBe(true);
  });

  it('honours minIntervalMs', () => {
    expect(reasonFor(periodic({ Interval: '1' }), { minIntervalMs: 5 * SECOND })).toBe(
      'Interval "1" is below the minimum of 5s',
    );
  });

  it('reads EndTime in every ToRunAt form', () => {
    const end = NOW + 10 * MINUTE + 30 * SECOND;
    for (const endTime of [
      String(end / 1000),
      end / 1000,
      `${end / 1000}.000`,
      '2025-11-26T12:10:30Z',
      '2025-11-26T13:10:30+01:00',
    ]) {
      expect(accept(periodic({ EndTime: endTime })).spec.endTimeMs).toBe(end);
    }
    expect(accept(periodic({ EndTime: '1764159030.5' })).spec.endTimeMs).toBe(1764159030500);
  });

  it('leaves out EndTime when absent (no end)', () => {
    expect('endTimeMs' in accept(periodic({ EndTime: undefined })).spec).toBe(false);
  });

  it('rejects EndTime without Interval', () => {
    expect(reasonFor(once({ EndTime: String(NOW / 1000 + 600) }))).toBe(
      `EndTime "${NOW / 1000 + 600}" is only allowed on periodic tasks, but Interval (or Cron) is missing`,
    );
    expect(reasonFor(periodic({ Interval: null }))).toMatch(
      /^EndTime .* Interval \(or Cron\) is missing$/,
    );
  });

  it('rejects EndTime before the first run, accepts EndTime equal to it', () => {
    expect(reasonFor(periodic({ EndTime: String(NOW / 1000 + 29) }))).toBe(
      `EndTime "${NOW / 1000 + 29}" (2025-11-26T12:00:29.000Z) is before the first run at ` +
        '2025-11-26T12:00:30.000Z',
    );
    const result = accept(periodic({ EndTime: String(NOW / 1000 + 30) }));
    expect(result.spec.endTimeMs).toBe(NOW + 30000);
    expect(result.dueMs).toBe(NOW + 30000);
  });

  it('compares EndTime with now + ToRunAfter when there is no ToRunAt', () => {
    const message = periodic({ ToRunAt: undefined, ToRunAfter: '20', EndTime: NOW / 1000 + 19 });
    expect(reasonFor(message)).toBe(
      `EndTime ${NOW / 1000 + 19} (2025-11-26T12:00:19.000Z) is before the first run at ` +
        '2025-11-26T12:00:20.000Z',
    );
    expect(accept({ ...message, EndTime: NOW / 1000 + 20 }).dueMs).toBe(NOW + 20000);
  });

  it.each<[unknown, string]>([
    ['', 'EndTime "" is empty'],
    ['abc', 'EndTime "abc" is not unix seconds'],
    ['1e999', 'EndTime "1e999" is not unix seconds'],
    ['-5', 'EndTime "-5" is negative'],
    [Infinity, 'EndTime Infinity is not a finite number'],
    [false, 'EndTime must be unix seconds (number or string) or an ISO-8601 string, got false'],
    ['2026-01-01T00:00:00', 'EndTime "2026-01-01T00:00:00" has no timezone'],
  ])('rejects EndTime %j', (endTime, reason) => {
    expect(reasonFor(periodic({ EndTime: endTime })).startsWith(reason)).toBe(true);
  });
});

describe('parseTask: times against the clock', () => {
  it('rejects a once task more than maxPastMs in the past', () => {
    const toRunAt = (NOW - 3 * DAY - 2 * HOUR) / 1000;
    expect(reasonFor(once({ ToRunAt: String(toRunAt) }))).toBe(
      `ToRunAt "${toRunAt}" (2025-11-23T10:00:00.000Z) is 3d 2h in the past, beyond the limit of 1h`,
    );
    expect(reasonFor(once({ ToRunAt: (NOW - HOUR - 1) / 1000 }))).toBe(
      `ToRunAt ${(NOW - HOUR - 1) / 1000} (2025-11-26T10:59:59.999Z) is 1h in the past, beyond ` +
        'the limit of 1h',
    );
  });

  it('runs a once task that is late by at most maxPastMs now, keeping ToRunAt in the spec', () => {
    for (const late of [1, 30 * MINUTE, HOUR]) {
      const result = accept(once({ ToRunAt: String((NOW - late) / 1000) }));
      expect(result.dueMs).toBe(NOW);
      expect(result.spec.toRunAtMs).toBe(NOW - late);
    }
    expect(accept(once({ ToRunAt: NOW / 1000 })).dueMs).toBe(NOW);
  });

  it('uses a future ToRunAt as is', () => {
    expect(accept(once({ ToRunAt: (NOW + 1) / 1000 })).dueMs).toBe(NOW + 1);
  });

  it('rejects ToRunAt and EndTime beyond now + maxFutureMs', () => {
    const horizon = NOW + 10 * 365 * DAY;
    expect(accept(once({ ToRunAt: horizon / 1000 })).dueMs).toBe(horizon);
    expect(reasonFor(once({ ToRunAt: horizon / 1000 + 1 }))).toBe(
      `ToRunAt ${horizon / 1000 + 1} (2035-11-24T12:00:01.000Z) is 3650d in the future, beyond ` +
        'the limit of 3650d',
    );
    expect(reasonFor(once({ ToRunAt: '9999-12-31T23:59:59Z' }))).toMatch(
      /^ToRunAt "9999-12-31T23:59:59Z" \(9999-12-31T23:59:59.000Z\) is 2912\d{3}d \d+h in the future/,
    );
    expect(reasonFor(periodic({ EndTime: '2040-01-01T00:00:00Z' }))).toMatch(
      /^EndTime "2040-01-01T00:00:00Z" \(2040-01-01T00:00:00.000Z\) is 5148d 12h in the future, beyond the limit of 3650d$/,
    );
    expect(reasonFor(once(), { maxFutureMs: 10 * SECOND })).toMatch(
      /^ToRunAt "\d+" \(.*\) is 30s in the future, beyond the limit of 10s$/,
    );
  });

  it('anchors a periodic task in the past to its grid', () => {
    const anchor = NOW - 10 * DAY - 10 * SECOND;
    const result = accept(periodic({ ToRunAt: String(anchor / 1000), EndTime: undefined }));
    expect(result.dueMs).toBe(NOW + 50 * SECOND);
    expect((result.dueMs - anchor) % MINUTE).toBe(0);
    expect(result.spec.toRunAtMs).toBe(anchor); // the spec keeps what was sent
  });

  it('runs a periodic task now when now is on its grid', () => {
    const result = accept(periodic({ ToRunAt: (NOW - 2 * MINUTE) / 1000, EndTime: undefined }));
    expect(result.dueMs).toBe(NOW);
  });

  it('keeps the grid exact with millisecond anchors and odd intervals', () => {
    const anchor = NOW - 123456789;
    const result = accept(
      periodic({ ToRunAt: (anchor / 1000).toFixed(3), Interval: '0.7', EndTime: undefined }),
    );
    expect(result.dueMs).toBeGreaterThanOrEqual(NOW);
    expect(result.dueMs - NOW).toBeLessThan(700);
    expect((result.dueMs - anchor) % 700).toBe(0);
  });

  it('does not apply maxPastMs to periodic tasks', () => {
    const anchor = NOW - 400 * DAY;
    expect(accept(periodic({ ToRunAt: anchor / 1000, EndTime: undefined })).dueMs).toBe(NOW);
  });

  it('rejects a periodic task whose grid has no point left before EndTime', () => {
    const anchor = (NOW - 10 * SECOND) / 1000;
    const endTime = (NOW + 49 * SECOND) / 1000;
    expect(reasonFor(periodic({ ToRunAt: anchor, EndTime: endTime }))).toBe(
      `periodic task has no occurrence left before EndTime ${endTime} ` +
        '(2025-11-26T12:00:49.000Z): the next one would be at 2025-11-26T12:00:50.000Z',
    );
    expect(reasonFor(periodic({ ToRunAt: anchor, EndTime: anchor + 5 }))).toMatch(
      /^periodic task has no occurrence left before EndTime/,
    );
    const result = accept(periodic({ ToRunAt: anchor, EndTime: (NOW + 50 * SECOND) / 1000 }));
    expect(result.dueMs).toBe(NOW + 50 * SECOND);
  });

  it('rejects a periodic task whose next occurrence is beyond the horizon', () => {
    const anchor = (NOW - DAY) / 1000;
    expect(
      reasonFor(periodic({ ToRunAt: anchor, Interval: 4000 * 86400, EndTime: undefined })),
    ).toBe(
      'the next occurrence of the periodic task, at 2036-11-07T12:00:00.000Z, is beyond the limit ' +
        'of 3650d in the future',
    );
  });

  it('keeps the spec independent of the arrival time', () => {
    const early = accept(once(), { nowMs: NOW });
    const late = accept(once(), { nowMs: NOW + 20 * MINUTE });
    expect(JSON.stringify(late.spec)).toBe(JSON.stringify(early.spec));
    expect(late.dueMs).toBe(NOW + 20 * MINUTE);
    const relative = once({ ToRunAt: undefined, ToRunAfter: '10' });
    expect(JSON.stringify(accept(relative, { nowMs: NOW + 1 }).spec)).toBe(
      JSON.stringify(accept(relative).spec),
    );
  });
});

describe('parseTask: Cron', () => {
  /** A cron task with no start and no end: it starts now. */
  function cron(fields: Record<string, unknown> = {}): Record<string, unknown> {
    return withFields({ ID: 'nightly', Name: 'PeriodPingTask', Cron: '0 2 * * *' }, fields);
  }

  it("needs neither ToRunAt nor ToRunAfter: its first occurrence is the calendar's next", () => {
    const result = accept(cron());
    expect(result.dueMs).toBe(Date.UTC(2025, 10, 27, 2));
    expect(JSON.stringify(result.spec)).toBe(
      '{"id":"nightly","name":"PeriodPingTask","cron":"0 2 * * *","payload":{}}',
    );
  });

  it('reads the calendar in its TimeZone', () => {
    const berlin = accept(cron({ TimeZone: 'Europe/Berlin' }));
    expect(berlin.dueMs).toBe(Date.UTC(2025, 10, 27, 1));
    const tokyo = accept(cron({ Cron: '0 9 * * *', TimeZone: 'Asia/Tokyo' }));
    expect(tokyo.dueMs).toBe(Date.UTC(2025, 10, 27, 0));
  });

  it('runs now when now is one of its points (6 fields: seconds first)', () => {
    expect(accept(cron({ Cron: '0 0 12 * * *' })).dueMs).toBe(NOW);
    expect(accept(cron({ Cron: '*/7 * * * * *' }), { nowMs: NOW + 1 }).dueMs).toBe(NOW + 7000);
  });

  it('starts at ToRunAt, or ToRunAfter from arrival, when given', () => {
    const later = NOW + 3 * DAY;
    expect(accept(cron({ ToRunAt: later / 1000 })).dueMs).toBe(later + 14 * HOUR);
    expect(accept(cron({ ToRunAfter: 2 * 86400 })).dueMs).toBe(Date.UTC(2025, 10, 29, 2));
    // A start in the past is no reason to run the occurrences before now.
    expect(accept(cron({ ToRunAt: (NOW - 3 * DAY) / 1000 })).dueMs).toBe(Date.UTC(2025, 10, 27, 2));
  });

  it('ends at EndTime: refused when it comes before the first occurrence', () => {
    const endTime = Date.UTC(2025, 10, 27, 1, 59, 59) / 1000;
    expect(reasonFor(cron({ EndTime: endTime }))).toBe(
      `EndTime ${endTime} (2025-11-27T01:59:59.000Z) is before the first run at ` +
        '2025-11-27T02:00:00.000Z',
    );
    expect(accept(cron({ EndTime: endTime + 1 })).spec.endTimeMs).toBe((endTime + 1) * 1000);
  });

  it('refuses Cron with Interval, and a calendar field without Cron', () => {
    expect(reasonFor(cron({ Interval: 60 }))).toBe(
      'Cron and Interval cannot both be given: a task has one recurrence',
    );
    expect(reasonFor(periodic({ TimeZone: 'UTC' }))).toBe('TimeZone is only allowed with Cron');
  });

  it('keeps the rules in the stored text, in TaskSpec order', () => {
    const result = accept(
      cron({ MaxLateness: 60, Jitter: 30, Overlap: 'bufferOne', CatchUp: 'all', CatchUpMax: 3 }),
    );
    expect(JSON.stringify(result.spec)).toBe(
      '{"id":"nightly","name":"PeriodPingTask","cron":"0 2 * * *","catchUp":"all",' +
        '"catchUpMax":3,"overlap":"bufferOne","jitterMs":30000,"maxLatenessMs":60000,"payload":{}}',
    );
  });

  it('gives the same stored text at any arrival time (a declared schedule stays one)', () => {
    expect(JSON.stringify(accept(cron(), { nowMs: NOW + 5 * DAY }).spec)).toBe(
      JSON.stringify(accept(cron()).spec),
    );
  });
});

describe('parseTask: normalisation', () => {
  it('gives one stored text for every spelling of the same task', () => {
    const at = NOW / 1000 + 3600;
    const spellings: Record<string, unknown>[] = [
      { ID: '123', Name: 'PeriodPingTask', ToRunAt: String(at), Timeout: '1', Interval: '60' },
      { ID: 123, Name: 'PeriodPingTask', ToRunAt: at, Timeout: 1, Interval: 60 },
      { ID: '123', Name: 'PeriodPingTask', ToRunAt: `${at}.000`, Timeout: '1.0', Interval: 60.0 },
      {
        ID: 123,
        Name: 'PeriodPingTask',
        ToRunAt: '2025-11-26T13:00:00Z',
        Timeout: 1,
        Interval: 60,
      },
      {
        Interval: '60.00',
        Timeout: '1',
        ToRunAt: '2025-11-26T14:00:00.000+01:00',
        Name: 'PeriodPingTask',
        ID: '123',
        ToRunAfter: '99',
        EndTime: null,
      },
    ];
    const texts = spellings.map((message) => JSON.stringify(accept({ ...message, Url: 'u' }).spec));
    expect(new Set(texts).size).toBe(1);
    expect(texts[0]).toBe(
      `{"id":"123","name":"PeriodPingTask","toRunAtMs":${NOW + HOUR},"timeoutMs":1000,` +
        `"intervalMs":60000,"payload":{"Url":"u"}}`,
    );
  });

  it('tells apart tasks that differ in any field', () => {
    const base = JSON.stringify(accept(once()).spec);
    for (const change of [
      { ID: '1000000000123458' },
      { ToRunAt: String(NOW / 1000 + 31) },
      { Timeout: '2' },
      { Url: 'http://example.com' },
      { Extra: 1 },
    ]) {
      expect(JSON.stringify(accept(once(change)).spec)).not.toBe(base);
    }
  });
});

describe('parseTask: payload', () => {
  it('keeps every other field in its original order, under payload only', () => {
    const result = accept({
      zeta: 1,
      ID: '5',
      Name: 'OncePingTask',
      name: 'not the Name',
      data: { nested: [1, 2] },
      ToRunAt: NOW / 1000 + 5,
      pattern: 'p',
      payload: 'p2',
      toRunAtMs: 0,
      alpha: null,
    });
    expect(result.spec.id).toBe('5');
    expect(result.spec.name).toBe('OncePingTask');
    expect(result.spec.toRunAtMs).toBe(NOW + 5000);
    expect(Object.keys(result.spec.payload)).toEqual([
      'zeta',
      'name',
      'data',
      'pattern',
      'payload',
      'toRunAtMs',
      'alpha',
    ]);
    expect(result.spec.payload.data).toEqual({ nested: [1, 2] });
    expect(result.spec.payload.alpha).toBeNull();
  });

  it('rejects a payload number out of range rather than store it as null', () => {
    const text = `{"ID":"9","Name":"OncePingTask","ToRunAfter":1,"Url":"u","n":{"big":[1e400]}}`;
    expect(parse(JSON.parse(text), {}, text)).toEqual({
      ok: false,
      reason: 'payload holds a number out of range (like 1e400), which JSON cannot carry',
      id: '9',
    });
  });

  it('has an empty payload when there are no other fields', () => {
    expect(accept(once({ Url: undefined })).spec.payload).toEqual({});
  });

  it('copies the payload, so later changes to the message do not leak in', () => {
    const message = once();
    const result = accept(message);
    message.Url = 'changed';
    message.Added = true;
    expect(result.spec.payload).toEqual({ Url: 'http://www.baidu.com' });
  });

  it('drops __proto__, constructor and prototype keys and pollutes nothing', () => {
    const text =
      `{"ID":"1","Name":"OncePingTask","ToRunAt":${NOW / 1000 + 5},` +
      '"__proto__":{"polluted":true,"ID":"x"},"constructor":{"prototype":{"polluted":true}},' +
      '"prototype":{"polluted":true},"Url":"u"}';
    const result = accept(JSON.parse(text));
    const payload = result.spec.payload;
    expect(Object.keys(payload)).toEqual(['Url']);
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(payload, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((payload as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(result.spec)).toBe(
      `{"id":"1","name":"OncePingTask","toRunAtMs":${NOW + 5000},"payload":{"Url":"u"}}`,
    );
  });

  it('accepts a null-prototype message', () => {
    const message = Object.assign(Object.create(null) as Record<string, unknown>, once());
    expect(accept(message).spec.payload).toEqual({ Url: 'http://www.baidu.com' });
  });
});

class Greeting {
  @IsString()
  @Length(1, 10)
  readonly guest!: string;
}

describe('parseTask: a task type with a payload class', () => {
  /** GreetTask checks its payload by Greeting; the ping tasks, here, have no payload class. */
  const typed: Partial<ParseOptions> = {
    taskType: (name) => (name === 'GreetTask' ? { payload: Greeting } : {}),
  };
  const greet = (fields: Record<string, unknown>) =>
    once({ Name: 'GreetTask', Url: undefined, ...fields });

  it('accepts a valid payload and stores it as sent: every field, in order, a plain object', () => {
    const { spec } = accept(greet({ zeta: 1, guest: 'Ada' }), typed);
    expect(JSON.stringify(spec.payload)).toBe('{"zeta":1,"guest":"Ada"}');
    expect(Object.getPrototypeOf(spec.payload)).toBe(Object.prototype);
  });

  it("rejects an invalid payload with the validator's messages, and the ID when there is one", () => {
    expect(parse(greet({ guest: 5 }), typed)).toEqual({
      ok: false,
      reason:
        'payload is invalid: guest must be longer than or equal to 1 and shorter than or ' +
        'equal to 10 characters; guest must be a string',
      id: '1000000000123457',
    });
    expect(parse(greet({ ID: undefined, guest: 'Grace Hopper' }), typed)).toEqual({
      ok: false,
      reason: 'payload is invalid: guest must be shorter than or equal to 10 characters',
    });
  });

  it('checks the payload once the fields and times are found valid', () => {
    expect(reasonFor(greet({ guest: 5, Timeout: '0' }), typed)).toBe(
      'Timeout "0" must be greater than 0',
    );
    expect(reasonFor(greet({ guest: 5, ToRunAt: String(NOW / 1000 - 2 * 3600) }), typed)).toMatch(
      /^ToRunAt .* in the past/,
    );
  });

  it('leaves the payload of a type without a class unchecked', () => {
    expect(accept(once({ Url: 5, guest: 5 }), typed).spec.payload).toEqual({ Url: 5, guest: 5 });
  });

  it('marks the record payloadChecked, as its last key, when the class checked the payload', () => {
    const { spec } = accept(greet({ guest: 'Ada' }), typed);
    expect(spec.payloadChecked).toBe(true);
    expect(JSON.stringify(spec)).toBe(
      `{"id":"1000000000123457","name":"GreetTask","toRunAtMs":${NOW + 30_000},` +
        `"timeoutMs":1000,"payload":{"guest":"Ada"},"payloadChecked":true}`,
    );
    // The same submission gives the same text, every time.
    expect(JSON.stringify(accept(greet({ guest: 'Ada' }), typed).spec)).toBe(JSON.stringify(spec));
  });

  it('leaves the record unmarked for a type without a class, as the outside door reads every type', () => {
    const plain = accept(once(), typed).spec;
    expect(plain).not.toHaveProperty('payloadChecked');
    expect(JSON.stringify(plain)).toMatch(/"payload":\{"Url":"http:\/\/www\.baidu\.com"\}\}$/);
    // scheduleOutside (the CLI, DelayTaskClient.send) knows no classes: every type reads as `{}`.
    const outside = accept(greet({ guest: 5 }), { taskType: () => ({}) }).spec;
    expect(JSON.stringify(outside)).toMatch(/"payload":\{"guest":5\}\}$/);
  });

  it('cannot be marked by a producer: a payloadChecked field lands inside the payload', () => {
    const { spec } = accept(once({ payloadChecked: true, Url: undefined }));
    expect(spec.payload).toEqual({ payloadChecked: true });
    expect(spec).not.toHaveProperty('payloadChecked');
    expect(JSON.stringify(spec)).toMatch(/"payload":\{"payloadChecked":true\}\}$/);
    // A type with a class: the field stays the payload's, the mark comes after it.
    const typedSpec = accept(greet({ guest: 'Ada', payloadChecked: 'yes' }), typed).spec;
    expect(typedSpec.payload).toEqual({ guest: 'Ada', payloadChecked: 'yes' });
    expect(JSON.stringify(typedSpec)).toMatch(
      /"payload":\{"guest":"Ada","payloadChecked":"yes"\},"payloadChecked":true\}$/,
    );
  });
});

describe('parseTask: not a task object', () => {
  it('reports malformed JSON with the parser message', () => {
    expect(reasonFor('{"ID": 1,')).toMatch(/^malformed JSON: .+/);
    expect(reasonFor('')).toBe('malformed JSON: Unexpected end of JSON input');
    expect(reasonFor('hello')).toMatch(/^malformed JSON: Unexpected token 'h'/);
    expect(reasonFor('{' + 'x'.repeat(5000)).length).toBeLessThan(300);
  });

  it('reports a string that holds valid JSON (encoded twice)', () => {
    expect(reasonFor(JSON.stringify(once()))).toMatch(
      /^message must be a JSON object, got a string holding JSON \(encoded twice\?\): "\{\\"ID/,
    );
  });

  it.each<[unknown, string]>([
    [[once()], 'message must be a JSON object, got an array'],
    [42, 'message must be a JSON object, got 42'],
    [null, 'message must be a JSON object, got null'],
    [true, 'message must be a JSON object, got true'],
    [undefined, 'message must be a JSON object, got undefined'],
    [new Date(0), 'message must be a JSON object, got [object Date]'],
    [new Map(), 'message must be a JSON object, got [object Map]'],
  ])('rejects %p', (raw, reason) => {
    expect(parse(raw)).toEqual({ ok: false, reason });
  });

  it('rejects an oversized-message marker with its size and limit', () => {
    expect(parse(oversizedMessage(2_000_000, 1_048_576), {}, '{"ID":"1",')).toEqual({
      ok: false,
      reason: 'message of 2000000 bytes exceeds the limit of 1048576 bytes',
    });
  });
});

describe('parseTask: nesting depth', () => {
  /** A valid once task whose Url is nested `depth - 1` levels under the message (level 1). */
  function nestedTask(depth: number, name = 'OncePingTask'): string {
    const inner = `${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;
    return `{"Name":"${name}","ToRunAfter":"1","Url":${inner}}`;
  }

  it(`accepts ${MAX_NESTING_DEPTH} levels and rejects one more, before reading any field`, () => {
    const atLimit = nestedTask(MAX_NESTING_DEPTH);
    expect(parse(JSON.parse(atLimit), {}, atLimit).ok).toBe(true);
    for (const name of ['OncePingTask', 'NoSuchTask']) {
      const over = nestedTask(MAX_NESTING_DEPTH + 1, name);
      expect(parse(JSON.parse(over), {}, over)).toEqual({
        ok: false,
        reason: `message is nested more than ${MAX_NESTING_DEPTH} levels deep`,
      });
    }
  });

  it('rejects the 20,000-level message of issue 7 whatever its Name', () => {
    for (const name of ['OncePingTask', 'NoSuchTask']) {
      const text = nestedTask(20_000, name);
      expect(parse(JSON.parse(text), {}, text)).toMatchObject({ ok: false });
    }
  });
});

describe('parseTask: field names as the seed reads them', () => {
  it('reads every known field but Name in any case', () => {
    const result = accept({
      id: '7',
      Name: 'PeriodPingTask',
      toRunAt: String(NOW / 1000 + 60),
      TIMEOUT: '2',
      interval: 60,
      endtime: NOW / 1000 + 600,
      url: 'u',
    });
    expect(JSON.stringify(result.spec)).toBe(
      `{"id":"7","name":"PeriodPingTask","toRunAtMs":${NOW + 60_000},"timeoutMs":2000,` +
        `"intervalMs":60000,"endTimeMs":${NOW + 600_000},"payload":{"url":"u"}}`,
    );
    expect(accept(once({ ToRunAt: undefined, toRunAfter: '3' })).dueMs).toBe(NOW + 3000);
  });

  it('lets the exact spelling win, else the last other spelling', () => {
    expect(accept(once({ id: 'a', ID: 'b', Id: 'c' })).spec.id).toBe('b');
    expect(accept({ ...once({ ID: undefined }), id: 'a', Id: 'c' }).spec.id).toBe('c');
  });

  it('keeps no spelling of a known field in the payload', () => {
    const result = accept(once({ id: 'shadowed', TIMEOUT: '9', Url: 'u' }));
    expect(result.spec.payload).toEqual({ Url: 'u' });
    expect(result.spec.timeoutMs).toBe(1000);
  });

  it('reports a bad value under the field name it stands for', () => {
    expect(reasonFor(once({ ToRunAt: undefined, torunat: 'soon' }))).toMatch(
      /^ToRunAt "soon" is not unix seconds/,
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
