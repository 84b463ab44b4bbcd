import { advance, tick, useFakeTime } from '../../test/support/fake-time';
import { alignedScheduler, RecordingRunner } from '../../test/support/scheduler-parts';
import type { Claim } from '../domain/claim';
import type { TaskStore } from '../store/task-store';
import { WheelDriver } from './wheel-driver.service';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
useFakeTime(T0);

/**
 * A driver on a real wheel and a real clock aligned to "Redis", whose time is the fake Date.now
 * plus `redisAheadMs` (a spec moves it to play a Redis whose clock differs from the one the
 * driver aligned to at start). The runner records what it was handed, and when.
 */
class Harness {
  private tokens = 0;

  /** Claims the driver gave back to Redis, one list per call. */
  readonly released: Claim[][] = [];

  private constructor(
    readonly runner: RecordingRunner,
    private readonly redis: { aheadMs: number },
    build: (store: Pick<TaskStore, 'releaseClaims'>) => WheelDriver,
  ) {
    this.driver = build({
      releaseClaims: (claims) => {
        this.released.push([...(claims as Claim[])]);
        return Promise.resolve(claims.length);
      },
    });
  }

  readonly driver: WheelDriver;

  static async create(hostSkewMs = 0): Promise<Harness> {
    const redis = { aheadMs: 0 };
    const redisTime = () => Promise.resolve(Date.now() + redis.aheadMs);
    const { clock, wheel } = await alignedScheduler({ redisTime }, hostSkewMs);
    const runner = new RecordingRunner();
    return new Harness(
      runner,
      redis,
      (store) => new WheelDriver(wheel, clock, runner.asTaskRunner(), store),
    );
  }

  /** From now on Redis's clock reads `ms` ahead of the one the driver aligned to at start. */
  set redisAheadMs(ms: number) {
    this.redis.aheadMs = ms;
  }

  redisNow(): number {
    return Date.now() + this.redis.aheadMs;
  }

  /** A claim with a fresh token, due `inMs` from now by Redis time. */
  claim(id: string, inMs: number): Claim {
    return { id, dueMs: this.redisNow() + inMs, token: ++this.tokens };
  }

  /** Hands claims to the driver as a script's reply does, with Redis's time of that reply. */
  take(...claims: Claim[]): void {
    this.driver.take(this.redisNow(), claims);
  }

  /** The tokens handed to the runner so far. */
  firedTokens(): number[] {
    return this.runner.fired.map(({ claim }) => claim.token);
  }

  /** When each token was handed to the runner, in Redis time. */
  firedAt(): Record<number, number> {
    return Object.fromEntries(
      this.runner.fired.map(({ at, claim }) => [claim.token, at + this.redis.aheadMs]),
    );
  }
}

describe('WheelDriver', () => {
  describe('fires each claim at its due time by the clock aligned to Redis', () => {
    it.each([
      { host: 'right', skewMs: 0 },
      { host: '5 s ahead', skewMs: 5000 },
      { host: '5 s behind', skewMs: -5000 },
    ])('host clock $host: never before its due time, and not later', async ({ skewMs }) => {
      const h = await Harness.create(skewMs);
      const [soon, later, latest] = [h.claim('a', 10), h.claim('b', 1000), h.claim('c', 2500)];
      h.take(latest, soon, later);

      await advance(9);
      expect(h.firedTokens()).toEqual([]);
      await advance(2500 - 9 - 1);
      expect(h.firedTokens()).toEqual([soon.token, later.token]);
      await tick();
      expect(h.firedAt()).toEqual({
        [soon.token]: soon.dueMs,
        [later.token]: later.dueMs,
        [latest.token]: latest.dueMs,
      });
    });

    it('aligns to the Redis time of each reply: a Redis clock that moved on is followed', async () => {
      const h = await Harness.create();
      // Another Redis took over (a failover) whose clock is 3 s ahead of the first one's.
      h.redisAheadMs = 3000;
      const claim = h.claim('a', 1000);
      h.take(claim);

      await advance(999);
      expect(h.firedTokens()).toEqual([]);
      await tick();
      expect(h.firedAt()).toEqual({ [claim.token]: claim.dueMs });
    });

    it('sleeps on one timer for the whole wheel, however many claims it holds', async () => {
      const h = await Harness.create();
      h.take(...Array.from({ length: 100 }, (_, i) => h.claim(`t${i}`, 100 + 37 * i)));
      expect(jest.getTimerCount()).toBe(1);

      await advance(100 + 37 * 99);
      expect(h.runner.fired).toHaveLength(100);
      expect(h.runner.fired.every(({ at, claim }) => at === claim.dueMs)).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  it('hands claims already due straight to the runner, at once and in order', async () => {
    const h = await Harness.create();
    const [late, now, future] = [h.claim('late', -1500), h.claim('now', 0), h.claim('f', 50)];
    h.take(late, now, future);

    // No timer has run: the due ones went to the runner within take().
    expect(h.firedTokens()).toEqual([late.token, now.token]);
    expect(h.driver.stop()).toEqual([future]);
  });

  describe('a new claim of an ID it holds replaces the held one', () => {
    it.each([
      { when: 'later', firstInMs: 1000, secondInMs: 2000 },
      { when: 'earlier', firstInMs: 2000, secondInMs: 500 },
    ])('due $when: only the new claim fires, at its own time', async (setup) => {
      const h = await Harness.create();
      const first = h.claim('a', setup.firstInMs);
      const second = h.claim('a', setup.secondInMs);
      h.take(first);
      h.take(second);

      await advance(3000);
      expect(h.firedAt()).toEqual({ [second.token]: second.dueMs });
    });

    it('due now: the new claim goes to the runner, the held one never fires', async () => {
      const h = await Harness.create();
      const first = h.claim('a', 1000);
      h.take(first);
      const second = h.claim('a', 0);
      h.take(second);

      expect(h.firedTokens()).toEqual([second.token]);
      await advance(3000);
      expect(h.firedTokens()).toEqual([second.token]);
      expect(h.driver.stop()).toEqual([]);
    });
  });

  it('holds the next occurrences the runner reports, like any claim', async () => {
    const h = await Harness.create();
    const [next, dueNow] = [h.claim('periodic', 250), h.claim('overran', 0)];
    h.runner.reportNext([next, dueNow]);

    expect(h.firedTokens()).toEqual([dueNow.token]);
    await advance(250);
    expect(h.firedAt()).toEqual({ [dueNow.token]: T0, [next.token]: next.dueMs });
  });

  describe('stop()', () => {
    it('returns every claim still held, and fires nothing after', async () => {
      const h = await Harness.create();
      const held = [h.claim('a', 100), h.claim('b', 5000), h.claim('c', 10 * 60_000)];
      const due = h.claim('due', 0);
      h.take(...held, due);
      await advance(100);
      const [fired, ...stillHeld] = held;
      expect(h.firedTokens()).toEqual([due.token, fired.token]);

      expect(h.driver.wantsClaims()).toBe(true);
      const returned = h.driver.stop();
      expect(returned).toHaveLength(stillHeld.length);
      expect(returned).toEqual(expect.arrayContaining(stillHeld));
      expect(h.driver.wantsClaims()).toBe(false);
      expect(jest.getTimerCount()).toBe(0);

      await advance(20 * 60_000);
      expect(h.firedTokens()).toEqual([due.token, fired.token]);
    });

    it('holds nothing more: claims and next occurrences that come after go back to Redis at once, none runs (regression: left to lapse a lease)', async () => {
      const h = await Harness.create();
      h.driver.stop();
      // A refill's or an ingest batch's answer that was on its way when the stop began.
      const late = [h.claim('due', 0), h.claim('soon', 100)];
      h.take(...late);
      const next = [h.claim('next', 0), h.claim('next-soon', 100)];
      h.runner.reportNext(next);

      await advance(1000);
      expect(h.runner.fired).toEqual([]);
      expect(h.driver.stop()).toEqual([]);
      expect(h.released).toEqual([late, next]);
    });
  });
});
