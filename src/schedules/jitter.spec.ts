import { jitterOffsetMs } from './jitter';

describe('jitterOffsetMs', () => {
  // Pinned independently: `printf '%s' 'task-1|1700000000000' | sha1sum` → f42942f8…, u = 4096344824;
  // `printf '%s' '42|1767225600000' | sha1sum` → 7d066f1c…, u = 2097573660. The Lua twin must agree.
  it.each([
    ['task-1', 1_700_000_000_000, 1000, 953],
    ['task-1', 1_700_000_000_000, 60_000, 57_225],
    ['42', 1_767_225_600_000, 5000, 2441],
  ])(
    'is floor(u * jitter / 2^32) for %s at %d with jitter %d',
    (id, occurrence, jitter, expected) => {
      expect(jitterOffsetMs(id, occurrence, jitter)).toBe(expected);
    },
  );

  it('is 0 without jitter', () => {
    expect(jitterOffsetMs('task-1', 1_700_000_000_000, 0)).toBe(0);
    expect(jitterOffsetMs('task-1', 1_700_000_000_000, -5)).toBe(0);
  });

  it('is the same on every call, whole ms within [0, jitter), and spread', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 1000; i++) {
      const occurrence = 1_700_000_000_000 + i * 60_000;
      const offset = jitterOffsetMs('task-7', occurrence, 10_000);
      expect(jitterOffsetMs('task-7', occurrence, 10_000)).toBe(offset);
      expect(Number.isInteger(offset)).toBe(true);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(10_000);
      buckets[Math.floor(offset / 1000)]++;
    }
    for (const count of buckets) expect(count).toBeGreaterThan(50);
  });

  it('differs between tasks at the same occurrence', () => {
    const offsets = new Set(
      ['a', 'b', 'c', 'd', 'e'].map((id) => jitterOffsetMs(id, 1_700_000_000_000, 1_000_000)),
    );
    expect(offsets.size).toBe(5);
  });
});
