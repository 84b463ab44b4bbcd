import type { OccurrencePolicies, Recurrence } from '../domain/schedule-types';
import { cronRecurrence } from './cron-recurrence';
import { intervalRecurrence } from './interval-recurrence';
import { DEFAULT_POLICIES, nextOccurrence, policiesOf, startVerdict } from './occurrence-plan';

const T = Date.UTC(2026, 4, 1, 12); // the due occurrence
const S = 1000;
const EVERY_2S = intervalRecurrence(T - 20 * S, 2 * S);
const policies = (changes: Partial<OccurrencePolicies>): OccurrencePolicies => ({
  ...DEFAULT_POLICIES,
  ...changes,
});

function cron(text: string, timeZone = 'UTC'): Recurrence {
  const made = cronRecurrence({ cron: text, timeZone, dstRepeated: 'first', dstSkipped: 'shift' });
  if ('invalid' in made) throw new Error(made.invalid);
  return made;
}

describe('policiesOf', () => {
  it('fills the defaults: one, 10, skip', () => {
    expect(policiesOf({})).toEqual({ catchUp: 'one', catchUpMax: 10, overlap: 'skip' });
    expect(policiesOf({ catchUp: 'all', catchUpMax: 3, overlap: 'bufferOne' })).toEqual({
      catchUp: 'all',
      catchUpMax: 3,
      overlap: 'bufferOne',
    });
  });
});

describe('startVerdict', () => {
  it('expires a once task started later than MaxLateness, not one at it', () => {
    const on = { dueMs: T, startMs: T + 5001 };
    expect(startVerdict(undefined, DEFAULT_POLICIES, on, 5000)).toEqual({
      kind: 'expired',
      lateMs: 5001,
    });
    expect(
      startVerdict(undefined, DEFAULT_POLICIES, { dueMs: T, startMs: T + 5000 }, 5000),
    ).toEqual({ kind: 'run' });
    expect(startVerdict(undefined, DEFAULT_POLICIES, on, undefined)).toEqual({ kind: 'run' });
  });

  it('expires a periodic occurrence before any catch-up rule', () => {
    const verdict = startVerdict(
      EVERY_2S,
      policies({ catchUp: 'skip' }),
      { dueMs: T, startMs: T + 10 * S },
      3 * S,
    );
    expect(verdict).toEqual({ kind: 'expired', lateMs: 10 * S });
  });

  // An outage: due at T, starts at T + 10 s; T + 2, 4, 6, 8, 10 s fell due meanwhile.
  const outage = { dueMs: T, startMs: T + 10 * S };

  it('catchUp skip: missed once a later one fell due; runs when none did', () => {
    expect(startVerdict(EVERY_2S, policies({ catchUp: 'skip' }), outage, undefined)).toEqual({
      kind: 'missed',
    });
    const late = { dueMs: T, startMs: T + 2 * S - 1 };
    expect(startVerdict(EVERY_2S, policies({ catchUp: 'skip' }), late, undefined)).toEqual({
      kind: 'run',
    });
  });

  it('catchUp one: the due one runs, however late', () => {
    expect(startVerdict(EVERY_2S, policies({ catchUp: 'one' }), outage, undefined)).toEqual({
      kind: 'run',
    });
  });

  it('catchUp all: missed when catchUpMax later ones fell due', () => {
    expect(
      startVerdict(EVERY_2S, policies({ catchUp: 'all', catchUpMax: 3 }), outage, undefined),
    ).toEqual({
      kind: 'missed',
    });
    expect(
      startVerdict(EVERY_2S, policies({ catchUp: 'all', catchUpMax: 6 }), outage, undefined),
    ).toEqual({
      kind: 'run',
    });
  });
});

describe('nextOccurrence', () => {
  describe('catch-up after an outage of 5 occurrences of a 2 s schedule (cap 3)', () => {
    const missedAt = { dueMs: T, startMs: T + 10 * S, endMs: T + 10 * S };

    it('skip: the due one and all 5 are missed; the next is the first future one', () => {
      const next = nextOccurrence(EVERY_2S, policies({ catchUp: 'skip' }), missedAt, undefined);
      expect(next).toEqual({ nextMs: T + 12 * S, missed: 5, missedIsExact: true });
    });

    it('one: the due one runs late, the 5 are missed', () => {
      const ran = { dueMs: T, startMs: T + 10 * S, endMs: T + 10 * S + 500 };
      const next = nextOccurrence(EVERY_2S, policies({ catchUp: 'one' }), ran, undefined);
      expect(next).toEqual({ nextMs: T + 12 * S, missed: 5, missedIsExact: true });
    });

    it('all: the latest 3 run one after another, the due one and 2 are missed', () => {
      const rules = policies({ catchUp: 'all', catchUpMax: 3 });
      const runs: number[] = [];
      let missed = 0;
      let due = T;
      let now = T + 10 * S;
      while (due <= T + 10 * S) {
        const verdict = startVerdict(EVERY_2S, rules, { dueMs: due, startMs: now }, undefined);
        const endMs = verdict.kind === 'run' ? now + 100 : now;
        if (verdict.kind === 'run') runs.push(due);
        else missed++;
        const next = nextOccurrence(
          EVERY_2S,
          rules,
          { dueMs: due, startMs: now, endMs },
          undefined,
        );
        missed += next.missed;
        due = next.nextMs!;
        now = endMs;
      }
      expect(runs).toEqual([T + 6 * S, T + 8 * S, T + 10 * S]);
      expect(missed).toBe(3); // T, T + 2 s, T + 4 s
      expect(due).toBe(T + 12 * S);
    });
  });

  describe('overlap: a run from T to T + 6.5 s spans 3 occurrences (T + 2, 4, 6 s)', () => {
    const ran = { dueMs: T, startMs: T, endMs: T + 6500 };

    it.each([
      ['skip', 'one', T + 8 * S, 3],
      ['bufferOne', 'one', T + 6 * S, 2],
      ['skip', 'all', T + 8 * S, 3],
    ] as const)('%s (catchUp %s): next %d, %d missed', (overlap, catchUp, nextMs, missed) => {
      const next = nextOccurrence(
        EVERY_2S,
        policies({ overlap, catchUp, catchUpMax: 10 }),
        ran,
        undefined,
      );
      expect(next).toEqual({ nextMs, missed, missedIsExact: true });
    });

    it('allowAll: the schedule moved on as the occurrence started (it was handed off), so none fell due during it', () => {
      const handedOff = { dueMs: T, startMs: T, endMs: T };
      const next = nextOccurrence(
        EVERY_2S,
        policies({ overlap: 'allowAll' }),
        handedOff,
        undefined,
      );
      expect(next).toEqual({ nextMs: T + 2 * S, missed: 0, missedIsExact: true });
    });

    it('bufferOne with catchUp all: the backlog runs first; what fell due during the run waits for its turn', () => {
      // Started 3 s late (T + 2 s fell due before), ran to T + 6.5 s (T + 4, 6 s fell due during).
      const late = { dueMs: T, startMs: T + 3 * S, endMs: T + 6500 };
      const next = nextOccurrence(
        EVERY_2S,
        policies({ overlap: 'bufferOne', catchUp: 'all', catchUpMax: 2 }),
        late,
        undefined,
      );
      // T + 2 s runs next; T + 4 and 6 s are its backlog when it starts, judged then (none missed yet).
      expect(next).toEqual({ nextMs: T + 2 * S, missed: 0, missedIsExact: true });
    });
  });

  describe('EndTime', () => {
    const ran = { dueMs: T, startMs: T, endMs: T + 6500 };

    it('ends the schedule when the next point is past it', () => {
      const next = nextOccurrence(EVERY_2S, policies({ overlap: 'skip' }), ran, T + 5 * S);
      expect(next).toEqual({ nextMs: undefined, missed: 2, missedIsExact: true }); // T + 2, 4 s; 6 s is past
    });

    it('still runs a kept point at or before it', () => {
      const next = nextOccurrence(EVERY_2S, policies({ overlap: 'bufferOne' }), ran, T + 5 * S);
      expect(next).toEqual({ nextMs: T + 4 * S, missed: 1, missedIsExact: true });
    });

    it('keeps the last point exactly at EndTime', () => {
      const onTime = { dueMs: T, startMs: T, endMs: T + 100 };
      expect(nextOccurrence(EVERY_2S, DEFAULT_POLICIES, onTime, T + 2 * S).nextMs).toBe(T + 2 * S);
      expect(
        nextOccurrence(EVERY_2S, DEFAULT_POLICIES, onTime, T + 2 * S - 1).nextMs,
      ).toBeUndefined();
    });
  });

  describe('a day-long outage under a one-second cron', () => {
    it.each(['UTC', 'Europe/Berlin'])('counts 86,400 missed in %s quickly', (zone) => {
      const everySecond = cron('* * * * * *', zone);
      const started = performance.now();
      const next = nextOccurrence(
        everySecond,
        DEFAULT_POLICIES,
        { dueMs: T, startMs: T + 86_400 * S, endMs: T + 86_400 * S + 500 },
        undefined,
      );
      // Generous for a loaded CI machine; stepping with cron-parser's next() would take 2 s to minutes.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(next).toEqual({ nextMs: T + 86_401 * S, missed: 86_400, missedIsExact: true });
    });

    it('stops counting at 100,000 and says so', () => {
      const everySecond = cron('* * * * * *', 'Europe/Berlin');
      const started = performance.now();
      const week = { dueMs: T, startMs: T + 7 * 86_400 * S, endMs: T + 7 * 86_400 * S };
      const rules = policies({ catchUp: 'all', catchUpMax: 3 });
      const next = nextOccurrence(everySecond, rules, week, undefined);
      // Generous for a loaded CI machine; stepping with cron-parser's next() would take 2 s to minutes.
      expect(performance.now() - started).toBeLessThan(2000);
      expect(next).toEqual({
        nextMs: week.startMs - 2 * S,
        missed: 100_000,
        missedIsExact: false,
      });
      expect(startVerdict(everySecond, rules, week, undefined)).toEqual({ kind: 'missed' });
    });

    it('counts an Interval outage of a year exactly', () => {
      const everySecond = intervalRecurrence(T, S);
      const year = 365 * 86_400 * S;
      const next = nextOccurrence(
        everySecond,
        DEFAULT_POLICIES,
        { dueMs: T, startMs: T + year, endMs: T + year },
        undefined,
      );
      expect(next).toEqual({ nextMs: T + year + S, missed: 365 * 86_400, missedIsExact: true });
    });
  });

  it('takes cron schedules alike: a daily 09:00 Tokyo run that overran by two days', () => {
    const daily = cron('0 9 * * *', 'Asia/Tokyo');
    const due = Date.parse('2026-05-01T00:00:00Z'); // 09:00 JST
    const ran = { dueMs: due, startMs: due, endMs: Date.parse('2026-05-03T01:00:00Z') };
    expect(nextOccurrence(daily, policies({ overlap: 'skip' }), ran, undefined)).toEqual({
      nextMs: Date.parse('2026-05-04T00:00:00Z'),
      missed: 2,
      missedIsExact: true,
    });
  });
});

describe('an occurrence is run or missed, never both, never neither', () => {
  /**
   * Drives one schedule through the two decisions as the runner does: each occurrence starts when
   * the previous one ended (or at `startMs` for the first), runs `runMs` unless its verdict says
   * missed, and the plan names the next. Every point up to the last decided one must be run or
   * counted missed, exactly once.
   */
  function drive(rules: OccurrencePolicies, startMs: number, runMs: number, steps: number) {
    const ran: number[] = [];
    let missed = 0;
    let dueMs = T;
    let now = startMs;
    for (let i = 0; i < steps; i++) {
      const startAt = Math.max(now, dueMs);
      const verdict = startVerdict(EVERY_2S, rules, { dueMs, startMs: startAt }, undefined);
      const endMs = verdict.kind === 'run' ? startAt + runMs : startAt;
      if (verdict.kind === 'run') ran.push(dueMs);
      else missed++;
      const at = { dueMs, startMs: startAt, endMs };
      const next = nextOccurrence(EVERY_2S, rules, at, undefined);
      missed += next.missed;
      dueMs = next.nextMs ?? Infinity;
      now = endMs;
    }
    const decided = (dueMs - T) / (2 * S); // the points before the next: run or missed
    return { ran, missed, decided };
  }

  it.each([
    ['all', 'skip', 3],
    ['all', 'bufferOne', 3],
    ['all', 'skip', 1],
    ['one', 'skip', 10],
    ['one', 'bufferOne', 10],
    ['skip', 'skip', 10],
    ['skip', 'bufferOne', 10],
  ] as const)(
    'catchUp %s, overlap %s, cap %d, started late, runs longer than the gap',
    (catchUp, overlap, catchUpMax) => {
      for (const [late, runMs] of [
        [5 * S, 3 * S],
        [9 * S, 500],
        [0, 5 * S],
        [13 * S, 4100],
      ]) {
        const rules = policies({ catchUp, overlap, catchUpMax });
        const { ran, missed, decided } = drive(rules, T + late, runMs, 12);
        expect(new Set(ran).size).toBe(ran.length);
        expect(ran.length + missed).toBe(decided);
      }
    },
  );
});
