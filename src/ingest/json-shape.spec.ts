import { MAX_NESTING_DEPTH, holdsNonFiniteNumber, nestedDeeperThan } from './json-shape';

/** `depth` levels of `{"a": …}` (or arrays) around `inner`. */
function nest(depth: number, kind: 'object' | 'array' = 'object'): unknown {
  let value: unknown = kind === 'object' ? {} : [];
  for (let level = 1; level < depth; level++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

describe('nestedDeeperThan', () => {
  it('counts the value itself as level 1', () => {
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({ a: {} }, 1)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: 'x', c: null }, 1)).toBe(false);
  });

  it('accepts exactly the limit and rejects one level more, for objects and arrays', () => {
    for (const kind of ['object', 'array'] as const) {
      expect(nestedDeeperThan(nest(MAX_NESTING_DEPTH, kind), MAX_NESTING_DEPTH)).toBe(false);
      expect(nestedDeeperThan(nest(MAX_NESTING_DEPTH + 1, kind), MAX_NESTING_DEPTH)).toBe(true);
    }
  });

  it('finds a deep branch among shallow ones', () => {
    expect(nestedDeeperThan({ a: 1, b: [1, 2, { c: [nest(3)] }] }, 6)).toBe(true);
    expect(nestedDeeperThan({ a: 1, b: [1, 2, { c: [nest(3)] }] }, 7)).toBe(false);
  });

  it('walks 20,000 levels without exhausting the stack', () => {
    const deep: unknown = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expect(nestedDeeperThan(deep, MAX_NESTING_DEPTH)).toBe(true);
  });

  it('treats primitives as no nesting', () => {
    for (const value of [null, 1, 'text', true, undefined]) {
      expect(nestedDeeperThan(value, 0)).toBe(false);
    }
  });
});

describe('holdsNonFiniteNumber', () => {
  it('finds 1e400 wherever JSON.parse put it', () => {
    for (const text of ['1e400', '-1e400', '{"a":[1,{"b":1e400}]}', '[0,1e999]']) {
      expect(holdsNonFiniteNumber(JSON.parse(text))).toBe(true);
    }
  });

  it('passes finite numbers and everything else', () => {
    for (const text of ['1e308', '1e-400', '{"a":[1,{"b":"1e400"}]}', 'null', '"x"', '[]']) {
      expect(holdsNonFiniteNumber(JSON.parse(text))).toBe(false);
    }
  });
});
