import { InvalidArgumentError } from 'commander';
import { MAX_PAGE_SIZE, parseCursor, parsePageSize, TASK_STATES } from './arguments';

describe('TASK_STATES', () => {
  it('holds every state a task can be listed in, and nothing else', () => {
    expect([...TASK_STATES].sort()).toEqual(['cancelled', 'done', 'failed', 'pending', 'running']);
  });
});

describe('parsePageSize', () => {
  it.each([
    ['1', 1],
    ['50', 50],
    [String(MAX_PAGE_SIZE), MAX_PAGE_SIZE],
  ])('takes %s', (text, size) => {
    expect(parsePageSize(text)).toBe(size);
  });

  it.each(['0', String(MAX_PAGE_SIZE + 1), '-1', '1.5', '1e3', '0x10', ' 5', '', 'ten'])(
    'refuses %j, saying what it takes',
    (text) => {
      expect(() => parsePageSize(text)).toThrow(
        new InvalidArgumentError(`Give a whole number from 1 to ${MAX_PAGE_SIZE}.`),
      );
    },
  );
});

describe('parseCursor', () => {
  it.each([
    ['0', 0],
    ['250', 250],
  ])('takes %s', (text, position) => {
    expect(parseCursor(text)).toBe(position);
  });

  it.each(['-1', 'abc', '1.5', '99999999999999999999'])('refuses %j', (text) => {
    expect(() => parseCursor(text)).toThrow(InvalidArgumentError);
  });
});
