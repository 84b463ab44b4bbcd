import {
  MAX_NODE_ID,
  SNOWFLAKE_EPOCH_MS,
  SnowflakeIdGenerator,
  defaultNodeId,
} from './snowflake-id';

class FakeClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
}

const T = Date.UTC(2025, 10, 26, 12);

function assertIncreasing(ids: string[]): void {
  for (let i = 1; i < ids.length; i++) {
    if (!(BigInt(ids[i]) > BigInt(ids[i - 1]))) {
      throw new Error(`ids[${i}] = ${ids[i]} is not above ids[${i - 1}] = ${ids[i - 1]}`);
    }
  }
}

describe('SnowflakeIdGenerator', () => {
  it('lays out 41 bits of ms since 2020-01-01, 10 bits of node, 12 bits of sequence', () => {
    const clock = new FakeClock(SNOWFLAKE_EPOCH_MS + 1);
    const generator = new SnowflakeIdGenerator(clock, 5);
    expect(generator.next()).toBe(((1n << 22n) | (5n << 12n)).toString());
    expect(generator.next()).toBe(((1n << 22n) | (5n << 12n) | 1n).toString());
    expect(SNOWFLAKE_EPOCH_MS).toBe(1577836800000);
  });

  it('returns decimal strings that decode to time, node and sequence', () => {
    const generator = new SnowflakeIdGenerator(new FakeClock(T), 1023);
    const id = generator.next();
    expect(id).toMatch(/^[1-9]\d{17,18}$/);
    expect(BigInt(id)).toBeLessThan(2n ** 63n);
    expect(SnowflakeIdGenerator.decode(id)).toEqual({ timeMs: T, nodeId: 1023, sequence: 0 });
  });

  it('gives 100k unique, increasing IDs under a frozen clock, borrowing milliseconds', () => {
    const generator = new SnowflakeIdGenerator(new FakeClock(T), 7);
    const ids = Array.from({ length: 100_000 }, () => generator.next());
    expect(new Set(ids).size).toBe(100_000);
    assertIncreasing(ids);
    expect(SnowflakeIdGenerator.decode(ids[0])).toEqual({ timeMs: T, nodeId: 7, sequence: 0 });
    expect(SnowflakeIdGenerator.decode(ids[4095])).toEqual({
      timeMs: T,
      nodeId: 7,
      sequence: 4095,
    });
    expect(SnowflakeIdGenerator.decode(ids[4096])).toEqual({
      timeMs: T + 1,
      nodeId: 7,
      sequence: 0,
    });
    expect(SnowflakeIdGenerator.decode(ids[99_999])).toEqual({
      timeMs: T + Math.floor(99_999 / 4096),
      nodeId: 7,
      sequence: 99_999 % 4096,
    });
  });

  it('gives the borrowed time back once the clock catches up', () => {
    const clock = new FakeClock(T);
    const generator = new SnowflakeIdGenerator(clock, 1);
    const ids = Array.from({ length: 2 * 4096 + 10 }, () => generator.next()); // borrows T+1, T+2
    clock.ms = T + 1; // still behind the borrowed time: keeps counting there
    ids.push(generator.next());
    expect(SnowflakeIdGenerator.decode(ids[ids.length - 1])).toEqual({
      timeMs: T + 2,
      nodeId: 1,
      sequence: 10,
    });
    clock.ms = T + 10;
    ids.push(generator.next());
    expect(SnowflakeIdGenerator.decode(ids[ids.length - 1])).toMatchObject({
      timeMs: T + 10,
      sequence: 0,
    });
    assertIncreasing(ids);
  });

  it('stays increasing when the clock steps back', () => {
    const clock = new FakeClock(T);
    const generator = new SnowflakeIdGenerator(clock, 3);
    const ids = [generator.next(), generator.next()];
    clock.ms = T - 5000;
    ids.push(generator.next(), generator.next());
    clock.ms = T + 0.9; // fractions of a millisecond are dropped
    ids.push(generator.next());
    assertIncreasing(ids);
    expect(ids.map((id) => SnowflakeIdGenerator.decode(id).timeMs)).toEqual([T, T, T, T, T]);
  });

  it('keeps generators with different nodes apart within one millisecond', () => {
    const clock = new FakeClock(T);
    const a = new SnowflakeIdGenerator(clock, 1);
    const b = new SnowflakeIdGenerator(clock, 2);
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(a.next()).add(b.next());
    expect(ids.size).toBe(20_000);
  });

  it.each([-1, 1024, 1.5, NaN])('rejects node ID %p', (nodeId) => {
    expect(() => new SnowflakeIdGenerator(new FakeClock(T), nodeId)).toThrow(RangeError);
  });

  it.each([SNOWFLAKE_EPOCH_MS - 1, -5, SNOWFLAKE_EPOCH_MS + 2 ** 41, NaN, Infinity])(
    'refuses a clock reading %p',
    (ms) => {
      expect(() => new SnowflakeIdGenerator(new FakeClock(ms), 0).next()).toThrow(RangeError);
    },
  );

  it('uses the system clock and a hostname+pid node by default', () => {
    const generator = new SnowflakeIdGenerator();
    expect(generator.nodeId).toBe(defaultNodeId());
    const before = Date.now();
    const { timeMs } = SnowflakeIdGenerator.decode(generator.next());
    expect(timeMs).toBeGreaterThanOrEqual(before);
    expect(timeMs).toBeLessThanOrEqual(Date.now());
  });
});

describe('defaultNodeId', () => {
  it('is a stable 10-bit hash of hostname and pid', () => {
    expect(defaultNodeId('host-a', 1)).toBe(defaultNodeId('host-a', 1));
    const nodes = new Set<number>();
    for (let pid = 1; pid <= 200; pid++) {
      const node = defaultNodeId('worker-1', pid);
      expect(Number.isInteger(node) && node >= 0 && node <= MAX_NODE_ID).toBe(true);
      nodes.add(node);
    }
    expect(nodes.size).toBeGreaterThan(150); // spread out, not a constant or a few values
  });
});
