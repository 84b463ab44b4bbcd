import {
  FieldError,
  describeValue,
  formatDuration,
  formatTime,
  parseSeconds,
  parseTaskId,
  parseUnixTime,
  truncate,
} from './task-fields';

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0ms'],
    [250, '250ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [59_999, '59.999s'],
    [60_000, '1m'],
    [90_500, '1m 30s'],
    [3_600_000, '1h'],
    [3_660_000, '1h 1m'],
    [86_400_000, '1d'],
    [3 * 86_400_000 + 2 * 3_600_000 + 59_000, '3d 2h'],
    [3650 * 86_400_000, '3650d'],
    [-1500, '-1.5s'],
    [Infinity, 'Infinity'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('describeValue', () => {
  it.each<[unknown, string]>([
    ['abc', '"abc"'],
    ['a"b\n', '"a\\"b\\n"'],
    [5, '5'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    [10n, '10n'],
    [{ a: [1] }, '{"a":[1]}'],
    [() => 1, 'a function'],
  ])('renders %p as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it('cuts long strings and objects to 80 characters', () => {
    expect(describeValue('y'.repeat(500))).toBe(`"${'y'.repeat(80)}"…`);
    expect(describeValue({ k: 'z'.repeat(500) })).toBe(`{"k":"${'z'.repeat(74)}…`);
    expect(truncate('abc', 2)).toBe('ab…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('survives values JSON cannot render', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('[object Object]');
  });
});

describe('field parsers', () => {
  it('return FieldError instances naming the field', () => {
    const error = parseSeconds('x', 'Custom');
    expect(error).toBeInstanceOf(FieldError);
    expect((error as FieldError).message).toMatch(/^Custom "x" /);
    expect(parseTaskId('a b', 'Key')).toEqual(
      new FieldError('Key "a b" contains whitespace or control characters'),
    );
  });

  it('read numbers and their decimal text identically', () => {
    for (const text of ['0', '0.001', '0.5', '1.25', '59.999', '1764150000.123', '86400']) {
      expect(parseSeconds(Number(text), 'S')).toBe(parseSeconds(text, 'S'));
      expect(parseUnixTime(Number(text), 'T')).toBe(parseUnixTime(text, 'T'));
    }
    expect(parseSeconds(5e-7, 'S')).toBe(0);
    expect(parseSeconds('0.0000005', 'S')).toBe(0);
  });

  it('formats times as ISO, or as ms outside the Date range', () => {
    expect(formatTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(formatTime(9e15)).toBe('9000000000000000ms');
  });
});
