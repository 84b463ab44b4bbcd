import { prng } from '../../test/support/prng';
import { FakeClock } from '../domain/clock';
import { TimerHandle, TimingWheel } from './timing-wheel';

interface Expected {
  id: number;
  dueMs: number;
  seq: number;
}

/** Reference model: pending entries kept sorted by (dueMs, insertion), the order advance() owes. */
class Oracle {
  private readonly pending: Expected[] = [];
  private seq = 0;

  get size(): number {
    return this.pending.length;
  }

  add(id: number, dueMs: number): void {
    const entry = { id, dueMs, seq: this.seq++ };
    let lo = 0;
    let hi = this.pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.pending[mid].dueMs <= dueMs) lo = mid + 1;
      else hi = mid;
    }
    this.pending.splice(lo, 0, entry);
  }

  cancel(id: number): boolean {
    const i = this.pending.findIndex((e) => e.id === id);
    if (i < 0) return false;
    this.pending.splice(i, 1);
    return true;
  }

  takeDue(nowMs: number): number[] {
    let n = 0;
    while (n < this.pending.length && this.pending[n].dueMs <= nowMs) n++;
    return this.pending.splice(0, n).map((e) => e.id);
  }

  earliest(): number | undefined {
    return this.pending[0]?.dueMs;
  }
}

interface Config {
  tickMs: number;
  wheelSize: number;
}

const CONFIGS: Config[] = [
  { tickMs: 1, wheelSize: 3 },
  { tickMs: 7, wheelSize: 3 },
  { tickMs: 1, wheelSize: 64 },
  { tickMs: 7, wheelSize: 64 },
];

/** Fixed seeds reproduce; one fresh seed per run widens coverage. Rerun with TIMING_WHEEL_SEED. */
const SEEDS = [1, 2, 3, 42, Number(process.env.TIMING_WHEEL_SEED ?? Date.now() % 2 ** 31)];

type Mode = 'ms by ms' | 'big random steps';

/**
 * Interleaves adds, cancels and advances against the oracle. After every advance the wheel must
 * return exactly the entries with dueMs <= now that it has not returned yet, in firing order: that
 * checks "exactly once", "never early", "at the first advance with now >= dueMs" and ordering.
 */
function runScenario(seed: number, { tickMs, wheelSize }: Config, mode: Mode): void {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const fail = (message: string): never => {
    throw new Error(`seed=${seed} tickMs=${tickMs} wheelSize=${wheelSize} ${mode}: ${message}`);
  };

  // Enough range for four or five levels, but short enough to walk ms by ms.
  const span = Math.min(tickMs * wheelSize ** 5, mode === 'ms by ms' ? 20_000 : 30_000_000);
  const levelEdges: number[] = [];
  for (let width = tickMs; width <= span; width *= wheelSize) levelEdges.push(width);
  const randomDelay = (): number => {
    const r = rand();
    if (r < 0.5) return int(span + 1);
    if (r < 0.7) return int(3 * tickMs);
    if (r < 0.95) return levelEdges[int(levelEdges.length)] + int(3) - 1;
    return -int(10);
  };

  const startMs = 1_700_000_000_000 + int(10_000);
  let now = startMs;
  const wheel = new TimingWheel<number>({ tickMs, wheelSize, startMs });
  const oracle = new Oracle();
  const handles: TimerHandle[] = [];
  const dueOf: number[] = [];
  const ENTRIES = 2_500;

  const checkAdvance = (to: number): void => {
    const expected = to > now ? oracle.takeDue(to) : [];
    const actual = wheel.advance(to);
    now = Math.max(now, to);
    if (actual.length !== expected.length || actual.some((id, i) => id !== expected[i])) {
      fail(
        `advance(${to - startMs}) returned [${actual.map((id) => `${id}@${dueOf[id] - startMs}`).join(', ')}] ` +
          `but expected [${expected.map((id) => `${id}@${dueOf[id] - startMs}`).join(', ')}]`,
      );
    }
    if (wheel.size !== oracle.size) fail(`size ${wheel.size}, expected ${oracle.size}`);
    const next = wheel.nextExpiration();
    const earliest = oracle.earliest();
    if (earliest === undefined) {
      if (next !== undefined) fail(`nextExpiration ${next} on an empty wheel`);
    } else if (next === undefined || next > earliest || next <= now) {
      fail(`nextExpiration ${next} at now ${now} with earliest due ${earliest}`);
    }
  };

  while (handles.length < ENTRIES) {
    const r = rand();
    if (r < 0.45) {
      for (let n = 1 + int(5); n > 0; n--) {
        const id = handles.length;
        const dueMs = now + randomDelay();
        const handle = wheel.add(dueMs, id);
        dueOf.push(dueMs);
        if ((handle === null) !== dueMs <= now)
          fail(`add(${dueMs - now} from now) gave ${handle ? 'a handle' : 'null'}`);
        handles.push(handle ?? { dueMs });
        if (handle) {
          if (handle.dueMs !== dueMs) fail(`handle.dueMs ${handle.dueMs}, expected ${dueMs}`);
          oracle.add(id, dueMs);
        }
      }
    } else if (r < 0.55 && handles.length > 0) {
      const id = int(handles.length);
      const expected = oracle.cancel(id);
      if (wheel.cancel(handles[id]) !== expected) fail(`cancel(${id}) should be ${expected}`);
    } else if (r < 0.57) {
      checkAdvance(now - int(100)); // backwards: ignored
    } else if (mode === 'ms by ms') {
      checkAdvance(now + 1);
    } else {
      const s = rand();
      checkAdvance(now + (s < 0.3 ? int(tickMs * 2) : s < 0.8 ? int(span / 20) : int(span)));
    }
  }
  // Drain the rest the same way.
  const last = Math.max(...dueOf);
  for (let guard = 0; oracle.size > 0; guard++) {
    if (guard > span * 3 + 10) fail('did not drain');
    checkAdvance(mode === 'ms by ms' ? now + 1 : Math.min(last, now + int(span / 4) + 1));
  }
  if (wheel.size !== 0 || wheel.nextExpiration() !== undefined) fail('not empty after draining');
  for (const handle of handles) {
    if (wheel.cancel(handle)) fail('cancelled a handle after draining');
  }
}

describe('TimingWheel', () => {
  describe('against a reference model with random timers', () => {
    for (const config of CONFIGS) {
      for (const mode of ['ms by ms', 'big random steps'] as const) {
        it.each(SEEDS)(
          `tickMs=${config.tickMs} wheelSize=${config.wheelSize}, ${mode}, seed=%d`,
          (seed) => runScenario(seed, config, mode),
        );
      }
    }
  });

  describe('boundaries', () => {
    /** Adds one entry and walks ms by ms, returning the time at which it came back. */
    function firesAt(config: Config, startMs: number, delayMs: number): number | null {
      const wheel = new TimingWheel<string>({ ...config, startMs });
      const handle = wheel.add(startMs + delayMs, 'x');
      if (handle === null) return null;
      for (let now = startMs + 1; ; now++) {
        if (wheel.advance(now).length > 0) return now - startMs;
        if (now > startMs + delayMs) throw new Error(`delay ${delayMs}: not fired by ${now}`);
      }
    }

    it('returns null for delay 0 and for the past, and stores nothing', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 1000 });
      expect(wheel.add(1000, 'now')).toBeNull();
      expect(wheel.add(999, 'past')).toBeNull();
      expect(wheel.size).toBe(0);
      expect(wheel.nextExpiration()).toBeUndefined();
      expect(wheel.advance(5000)).toEqual([]);
    });

    it.each([
      [1, 0],
      [1, 1],
      [7, 0],
      [7, 3],
    ])(
      'fires every delay 0..3^3+5 (in ms) at its ms, wheelSize 3, tickMs %d, start %d',
      (tickMs, startMs) => {
        const config = { tickMs, wheelSize: 3 };
        const limit = tickMs * 27 + 5;
        for (let delay = 0; delay <= limit; delay++) {
          expect([delay, firesAt(config, startMs, delay)]).toEqual([
            delay,
            delay === 0 ? null : delay,
          ]);
        }
      },
    );

    it('fires every delay 0..3^3+5 from one shared wheel at its ms', () => {
      for (const tickMs of [1, 7]) {
        const wheel = new TimingWheel<number>({ tickMs, wheelSize: 3, startMs: 0 });
        const limit = tickMs * 27 + 5;
        for (let delay = 1; delay <= limit; delay++) wheel.add(delay, delay);
        for (let now = 1; now <= limit; now++) expect(wheel.advance(now)).toEqual([now]);
        expect(wheel.size).toBe(0);
      }
    });

    it.each([1, 7])(
      'handles one tick, the interval, and interval ± 1 (tickMs %d, wheelSize 64)',
      (tickMs) => {
        const interval = tickMs * 64;
        const delays = [1, tickMs - 1, tickMs, tickMs + 1, interval - 1, interval, interval + 1];
        delays.push(interval * 64 - 1, interval * 64, interval * 64 + 1);
        for (const delay of delays.filter((d) => d > 0)) {
          const startMs = 1_700_000_000_003;
          const wheel = new TimingWheel<number>({ tickMs, wheelSize: 64, startMs });
          wheel.add(startMs + delay, delay);
          expect([delay, wheel.advance(startMs + delay - 1)]).toEqual([delay, []]);
          expect([delay, wheel.advance(startMs + delay)]).toEqual([delay, [delay]]);
          expect(wheel.size).toBe(0);
        }
      },
    );
  });

  describe('cancel', () => {
    it('keeps cancelled entries from firing and keeps size right', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 3, startMs: 0 });
      const a = wheel.add(5, 'a');
      const b = wheel.add(5, 'b');
      const c = wheel.add(50, 'c');
      expect(wheel.size).toBe(3);
      expect(wheel.cancel(a!)).toBe(true);
      expect(wheel.cancel(c!)).toBe(true);
      expect(wheel.size).toBe(1);
      expect(wheel.advance(100)).toEqual(['b']);
      expect(wheel.size).toBe(0);
      expect(wheel.cancel(b!)).toBe(false);
    });

    it('returns false when cancelling twice', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      const a = wheel.add(5, 'a')!;
      expect(wheel.cancel(a)).toBe(true);
      expect(wheel.cancel(a)).toBe(false);
      expect(wheel.size).toBe(0);
    });

    it('returns false after the entry fired', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      const a = wheel.add(5, 'a')!;
      expect(wheel.advance(5)).toEqual(['a']);
      expect(wheel.cancel(a)).toBe(false);
      expect(wheel.size).toBe(0);
    });

    it('ignores handles it did not issue', () => {
      const one = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      const other = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      const a = one.add(5, 'a')!;
      other.add(5, 'b');
      expect(other.cancel(a)).toBe(false);
      expect(other.cancel({ dueMs: 5 })).toBe(false);
      expect(other.size).toBe(1);
      expect(one.advance(5)).toEqual(['a']);
    });

    it('cancels an entry parked inside the current tick (tickMs > 1)', () => {
      const wheel = new TimingWheel<string>({ tickMs: 10, wheelSize: 8, startMs: 0 });
      const a = wheel.add(25, 'a')!;
      wheel.add(27, 'b');
      expect(wheel.advance(20)).toEqual([]);
      expect(wheel.nextExpiration()).toBe(25);
      expect(wheel.cancel(a)).toBe(true);
      expect(wheel.nextExpiration()).toBe(27);
      expect(wheel.advance(26)).toEqual([]);
      expect(wheel.advance(27)).toEqual(['b']);
    });

    it('no longer wakes the driver for a bucket emptied by cancel', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      const a = wheel.add(10, 'a')!;
      wheel.add(20, 'b');
      wheel.cancel(a);
      expect(wheel.nextExpiration()).toBe(20);
      // The emptied bucket's slot is usable again for the same tick.
      wheel.add(10, 'c');
      expect(wheel.nextExpiration()).toBe(10);
      expect(wheel.advance(20)).toEqual(['c', 'b']);
    });
  });

  describe('cascading', () => {
    it('moves an entry down one level per expiration until it is due', () => {
      // wheelSize 3, tickMs 1 from 0: level 0 takes [1,3), level 1 [3,9), level 2 [9,27).
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 3, startMs: 0 });
      wheel.add(26, 'x');
      expect(wheel.nextExpiration()).toBe(18); // level 2 bucket [18,27)
      expect(wheel.advance(18)).toEqual([]);
      expect(wheel.nextExpiration()).toBe(24); // level 1 bucket [24,27)
      expect(wheel.advance(24)).toEqual([]);
      expect(wheel.nextExpiration()).toBe(26); // level 0 bucket of ms 26
      expect(wheel.advance(25)).toEqual([]);
      expect(wheel.advance(26)).toEqual(['x']);
      expect(wheel.nextExpiration()).toBeUndefined();
    });

    it('cascades several levels in one jump and returns everything in due order', () => {
      const wheel = new TimingWheel<number>({ tickMs: 1, wheelSize: 3, startMs: 0 });
      const dues = [700, 26, 3, 81, 80, 2, 243, 26, 1000];
      dues.forEach((due) => wheel.add(due, due));
      expect(wheel.advance(699)).toEqual([2, 3, 26, 26, 80, 81, 243]);
      expect(wheel.advance(1000)).toEqual([700, 1000]);
    });

    it('orders ties by insertion, across levels and re-insertions', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 3, startMs: 0 });
      wheel.add(30, 'a'); // level 3
      expect(wheel.advance(28)).toEqual([]); // 'a' has cascaded to a lower level
      wheel.add(30, 'b');
      wheel.add(29, 'c');
      expect(wheel.advance(40)).toEqual(['c', 'a', 'b']);
    });
  });

  describe('far future', () => {
    const YEAR = 365 * 24 * 3600 * 1000;
    const startMs = Date.UTC(2025, 0, 1);

    it('fires a timer 10 years ahead at the right ms after a jump', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs });
      const due = startMs + 10 * YEAR + 123;
      wheel.add(due + 1, 'after');
      wheel.add(due, 'ten years');
      wheel.add(due - 1, 'before');
      wheel.add(startMs + YEAR, 'one year');
      wheel.add(startMs + 100, 'soon');
      expect(wheel.advance(startMs + 100)).toEqual(['soon']);
      expect(wheel.advance(due - 2)).toEqual(['one year']);
      expect(wheel.nextExpiration()).toBeLessThanOrEqual(due - 1);
      expect(wheel.advance(due - 1)).toEqual(['before']);
      expect(wheel.advance(due - 1)).toEqual([]);
      expect(wheel.advance(due)).toEqual(['ten years']);
      expect(wheel.advance(due + 1)).toEqual(['after']);
    });

    it('reaches a timer 10 years ahead in a few driver wake-ups', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs });
      const due = startMs + 10 * YEAR + 987_654;
      wheel.add(due, 'x');
      let now = startMs;
      let wakeUps = 0;
      while (wheel.size > 0) {
        now = Math.max(now, wheel.nextExpiration()!);
        const fired = wheel.advance(now);
        wakeUps++;
        if (fired.length > 0) expect([fired, now]).toEqual([['x'], due]);
      }
      expect(wakeUps).toBeLessThanOrEqual(8); // one per level at most
    });
  });

  describe('nextExpiration', () => {
    it('is undefined when empty', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      expect(wheel.nextExpiration()).toBeUndefined();
      const a = wheel.add(10, 'a')!;
      expect(wheel.nextExpiration()).toBe(10);
      wheel.cancel(a);
      expect(wheel.nextExpiration()).toBeUndefined();
    });

    it('is the exact due ms for an entry inside the current tick (tickMs > 1)', () => {
      const wheel = new TimingWheel<string>({ tickMs: 10, wheelSize: 8, startMs: 0 });
      wheel.add(25, 'a');
      expect(wheel.nextExpiration()).toBe(20); // the bucket [20, 30)
      expect(wheel.advance(20)).toEqual([]);
      expect(wheel.size).toBe(1);
      expect(wheel.nextExpiration()).toBe(25);
      expect(wheel.advance(24)).toEqual([]);
      expect(wheel.advance(25)).toEqual(['a']);
    });

    it('never returns early even when added mid-tick (tickMs > 1)', () => {
      const wheel = new TimingWheel<string>({ tickMs: 10, wheelSize: 8, startMs: 3 });
      wheel.add(8, 'a');
      expect(wheel.nextExpiration()).toBe(8);
      expect(wheel.advance(7)).toEqual([]);
      expect(wheel.advance(8)).toEqual(['a']);
    });

    describe.each(CONFIGS)(
      'driving the wheel by it alone, tickMs=$tickMs wheelSize=$wheelSize',
      (config) => {
        it.each(SEEDS)('fires every entry exactly at its dueMs, seed=%d', (seed) => {
          const rand = prng(seed);
          const startMs = 1_700_000_000_000 + Math.floor(rand() * 1000);
          const clock = new FakeClock(startMs);
          const wheel = new TimingWheel<number>({ ...config, startMs });
          const span = config.tickMs * config.wheelSize ** 4;
          const dueOf = new Map<number, number>();
          let nextId = 0;
          const addSome = (n: number) => {
            for (let i = 0; i < n; i++) {
              const dueMs = clock.now() + 1 + Math.floor(rand() * span);
              dueOf.set(nextId, dueMs);
              wheel.add(dueMs, nextId++);
            }
          };
          addSome(1000);
          const fired: number[] = [];
          let wakeUps = 0;
          while (wheel.size > 0) {
            const next = wheel.nextExpiration();
            if (next === undefined)
              throw new Error(`seed=${seed}: no expiration, ${wheel.size} pending`);
            clock.set(Math.max(clock.now(), next));
            for (const id of wheel.advance(clock.now())) {
              if (dueOf.get(id) !== clock.now()) {
                throw new Error(`seed=${seed}: ${id} due ${dueOf.get(id)} fired at ${clock.now()}`);
              }
              fired.push(id);
            }
            if (++wakeUps % 97 === 0 && nextId < 1500) addSome(10);
            if (wakeUps > 100_000) throw new Error(`seed=${seed}: driver loop does not converge`);
          }
          expect(new Set(fired).size).toBe(nextId);
          expect(fired.length).toBe(nextId);
        });
      },
    );
  });

  describe('advance', () => {
    it('ignores a smaller time', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      wheel.add(80, 'a');
      expect(wheel.advance(100)).toEqual(['a']);
      wheel.add(150, 'b');
      expect(wheel.advance(50)).toEqual([]);
      expect(wheel.add(60, 'late')).toBeNull(); // the wheel is still at 100
      expect(wheel.advance(100)).toEqual([]);
      expect(wheel.advance(149)).toEqual([]);
      expect(wheel.advance(150)).toEqual(['b']);
    });

    it('rejects times it cannot compute with', () => {
      const wheel = new TimingWheel<string>({ tickMs: 1, wheelSize: 64, startMs: 0 });
      expect(() => wheel.advance(Number.NaN)).toThrow(RangeError);
      expect(() => wheel.add(Number.POSITIVE_INFINITY, 'x')).toThrow(RangeError);
      expect(() => wheel.add(2 ** 60, 'x')).toThrow(RangeError);
      expect(() => new TimingWheel({ tickMs: 0, wheelSize: 64, startMs: 0 })).toThrow(RangeError);
      expect(() => new TimingWheel({ tickMs: 1, wheelSize: 1, startMs: 0 })).toThrow(RangeError);
    });
  });

  describe('performance sanity', () => {
    it('returns 50,000 entries due at the same ms in one advance, quickly and in order', () => {
      const startMs = Date.UTC(2025, 0, 1);
      const wheel = new TimingWheel<number>({ tickMs: 1, wheelSize: 64, startMs });
      const began = performance.now();
      for (let i = 0; i < 50_000; i++) wheel.add(startMs + 5000, i);
      const fired = wheel.advance(startMs + 5000);
      expect(performance.now() - began).toBeLessThan(1000);
      expect(fired).toHaveLength(50_000);
      expect(fired.every((v, i) => v === i)).toBe(true);
    });

    it('adds 1,000,000 entries spread over 24 h quickly', () => {
      const startMs = Date.UTC(2025, 0, 1);
      const DAY = 24 * 3600 * 1000;
      const wheel = new TimingWheel<number>({ tickMs: 1, wheelSize: 64, startMs });
      const began = performance.now();
      for (let i = 0; i < 1_000_000; i++) wheel.add(startMs + 1 + ((i * 104_729) % DAY), i);
      // Typically well under a second; the bound only catches per-slot or quadratic work.
      expect(performance.now() - began).toBeLessThan(10_000);
      expect(wheel.size).toBe(1_000_000);
      expect(wheel.nextExpiration()).toBe(startMs + 1);
    }, 30_000);
  });
});
