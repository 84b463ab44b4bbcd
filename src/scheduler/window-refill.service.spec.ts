import { SchedulerRegistry } from '@nestjs/schedule';
import { advance, advanceTo, tick, useFakeTime } from '../../test/support/fake-time';
import { InMemoryTaskStore } from '../../test/support/in-memory-task-store';
import { captureNestLogs } from '../../test/support/log-capture';
import { alignedScheduler, RecordingRunner } from '../../test/support/scheduler-parts';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { ServerClock } from './server-clock';
import { WheelDriver } from './wheel-driver.service';
import { WindowRefill } from './window-refill.service';

const ME = 'instance-under-test';
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const WINDOW_MS = 2000;
const REFILL_EVERY_MS = 200;
const LEASE_MS = 5000;
/** WindowRefill's bounds on one refill: claims per claimDue call, calls per refill. */
const CLAIM_LIMIT = 2000;
const MAX_ROUNDS = 50;
const REFILL_JOB = 'delaytask:refill-window';

const OPTIONS: DelayTaskOptions = {
  ...defaultOptions(),
  instanceId: ME,
  windowMs: WINDOW_MS,
  refillIntervalMs: REFILL_EVERY_MS,
  leaseMs: LEASE_MS,
};

useFakeTime(T0);
const logs = captureNestLogs();

/**
 * A refill on the in-memory store, feeding a real driver (real wheel, real clock aligned to the
 * store's Redis time) whose runner records what fell due. `redis.aheadMs` plays a Redis whose
 * clock differs from the one the clock aligned to at start.
 */
class Harness {
  private ids = 0;

  private constructor(
    readonly store: InMemoryTaskStore,
    readonly clock: ServerClock,
    readonly runner: RecordingRunner,
    readonly refill: WindowRefill,
    private readonly redis: { aheadMs: number },
  ) {}

  static async create(registry?: SchedulerRegistry): Promise<Harness> {
    const redis = { aheadMs: 0 };
    const store = new InMemoryTaskStore({ now: () => Date.now() + redis.aheadMs });
    const { clock, wheel } = await alignedScheduler(store);
    const runner = new RecordingRunner();
    const view = store.asTaskStore();
    const driver = new WheelDriver(wheel, clock, runner.asTaskRunner(), view);
    const refill = new WindowRefill(OPTIONS, view, clock, driver, registry);
    return new Harness(store, clock, runner, refill, redis);
  }

  set redisAheadMs(ms: number) {
    this.redis.aheadMs = ms;
  }

  redisNow(): number {
    return Date.now() + this.redis.aheadMs;
  }

  /** A stored task waiting in Redis, due `inMs` from now by Redis time. */
  task(inMs: number): string {
    const id = `task-${String(++this.ids).padStart(6, '0')}`;
    this.store.addTask(id, JSON.stringify({ id, name: 'Probe', payload: {} }), {
      dueMs: this.redisNow() + inMs,
    });
    return id;
  }

  tasks(count: number, inMs: number): string[] {
    return Array.from({ length: count }, () => this.task(inMs));
  }

  /** Whether this instance holds a claim of the task. */
  claimed(id: string): boolean {
    return this.store.leaseOf(id)?.owner === ME;
  }

  /** When each task was handed to the runner (fake Date.now), by ID. */
  firedAt(): Record<string, number> {
    return Object.fromEntries(this.runner.fired.map(({ at, claim }) => [claim.id, at]));
  }

  claimDueCalls(): { at: number; limit: number }[] {
    return this.store.callsOf('claimDue').map(({ at, limit }) => ({ at, limit }));
  }
}

describe('WindowRefill', () => {
  describe('refill()', () => {
    it('claims for this instance what is due within the window, and nothing later', async () => {
      const h = await Harness.create();
      const [late, soon, edge, beyond] = [h.task(-1000), h.task(500), h.task(2000), h.task(2001)];

      expect(await h.refill.refill()).toBe(3);
      expect([late, soon, edge, beyond].map((id) => h.claimed(id))).toEqual([
        true,
        true,
        true,
        false,
      ]);
      expect(h.store.dueIds()).toEqual([beyond]);
      expect(h.store.callsOf('claimDue')).toMatchObject([
        { owner: ME, windowMs: WINDOW_MS, leaseMs: LEASE_MS },
      ]);
    });

    it('hands its claims to the driver: the overdue at once, the others at their due time', async () => {
      const h = await Harness.create();
      const [late, soon, edge] = [h.task(-1000), h.task(500), h.task(2000)];
      await h.refill.refill();
      expect(h.firedAt()).toEqual({ [late]: T0 });

      await advance(WINDOW_MS);
      expect(h.firedAt()).toEqual({ [late]: T0, [soon]: T0 + 500, [edge]: T0 + 2000 });
    });

    it(`claims in rounds of ${CLAIM_LIMIT} until a round takes fewer`, async () => {
      const h = await Harness.create();
      h.tasks(2 * CLAIM_LIMIT + 500, 100);

      expect(await h.refill.refill()).toBe(2 * CLAIM_LIMIT + 500);
      expect(h.claimDueCalls().map(({ limit }) => limit)).toEqual([
        CLAIM_LIMIT,
        CLAIM_LIMIT,
        CLAIM_LIMIT,
      ]);
      expect(h.store.dueIds()).toEqual([]);
    });

    it(`takes at most ${MAX_ROUNDS} rounds per refill; the next refill goes on`, async () => {
      const h = await Harness.create();
      const backlog = MAX_ROUNDS * CLAIM_LIMIT;
      h.tasks(backlog + 1, 0);

      expect(await h.refill.refill()).toBe(backlog);
      expect(h.claimDueCalls()).toHaveLength(MAX_ROUNDS);
      expect(h.store.dueIds()).toHaveLength(1);
      expect(await h.refill.refill()).toBe(1);
    });

    it('aligns the clock to the Redis time of its reply', async () => {
      const h = await Harness.create();
      // Another Redis took over (a failover) whose clock is 3 s ahead of the first one's.
      h.redisAheadMs = 3000;
      const id = h.task(1000);
      await h.refill.refill();

      expect(h.clock.now()).toBe(h.redisNow());
      await advance(999);
      expect(h.firedAt()).toEqual({});
      await tick();
      expect(h.firedAt()).toEqual({ [id]: T0 + 1000 });
    });

    it('is not doubled while one waits for Redis: a second refill meanwhile does nothing', async () => {
      const h = await Harness.create();
      const id = h.task(0);
      h.store.setLink('paused');
      const first = h.refill.refill();
      expect(await h.refill.refill()).toBe(0);
      expect(h.claimDueCalls()).toHaveLength(1);

      h.store.resume();
      expect(await first).toBe(1);
      expect(h.claimed(id)).toBe(true);
    });
  });

  describe('claims by capacity: no more than this instance can start within a lease', () => {
    it('claims up to the room left, and leaves the rest due in Redis for any instance', async () => {
      const h = await Harness.create();
      h.runner.capacity = 100;
      const ids = h.tasks(300, 0);

      expect(await h.refill.refill()).toBe(100);
      expect(ids.filter((id) => h.claimed(id))).toHaveLength(100);
      expect(h.store.dueIds()).toHaveLength(200);
      // Full: a refill now does not even ask Redis.
      expect(await h.refill.refill()).toBe(0);
      expect(h.claimDueCalls().map(({ limit }) => limit)).toEqual([100]);
    });

    it('counts claims waiting in the wheel as held', async () => {
      const h = await Harness.create();
      h.runner.capacity = 100;
      h.tasks(60, 1000);
      expect(await h.refill.refill()).toBe(60);
      h.tasks(100, 0);

      expect(await h.refill.refill()).toBe(40);
      expect(h.runner.fired).toHaveLength(40);
    });

    it('claims again as soon as half the capacity is free, not at the next refill tick', async () => {
      const h = await Harness.create();
      h.runner.capacity = 100;
      h.tasks(300, 0);
      await h.refill.refill();

      h.runner.finish(49);
      await tick();
      expect(h.claimDueCalls()).toHaveLength(1);
      h.runner.finish(1);
      await tick();
      expect(h.claimDueCalls().map(({ limit }) => limit)).toEqual([100, 50]);
      expect(h.runner.claimed).toBe(100);
    });

    it('does not look again on free room when nothing was left in Redis', async () => {
      const h = await Harness.create();
      h.runner.capacity = 100;
      h.tasks(80, 0);
      await h.refill.refill();

      h.runner.finish(80);
      await tick();
      expect(h.claimDueCalls()).toHaveLength(1);
    });
  });

  describe('start() and stop()', () => {
    it.each([
      { registry: 'the app’s SchedulerRegistry', make: () => new SchedulerRegistry() },
      { registry: 'no SchedulerRegistry', make: () => undefined },
    ])('with $registry: claims at once, then on every interval until stop()', async ({ make }) => {
      const h = await Harness.create(make());
      const now = h.task(0);
      const later = h.task(WINDOW_MS + 800);

      await h.refill.start();
      expect(h.claimed(now)).toBe(true);
      expect(h.claimed(later)).toBe(false);
      // Within the window from T0 + 800: the fourth refill after start claims it.
      await advanceTo(T0 + 800);
      expect(h.claimed(later)).toBe(true);
      expect(h.claimDueCalls().map(({ at }) => at - T0)).toEqual([0, 200, 400, 600, 800]);

      h.refill.stop();
      const waiting = h.task(0);
      await advance(10 * REFILL_EVERY_MS);
      expect(h.claimDueCalls()).toHaveLength(5);
      expect(h.claimed(waiting)).toBe(false);
      expect(jest.getTimerCount()).toBe(0);
    });

    it(`lists its job as ${REFILL_JOB} in a SchedulerRegistry while started`, async () => {
      const registry = new SchedulerRegistry();
      const h = await Harness.create(registry);

      await h.refill.start();
      expect(registry.getIntervals()).toEqual([REFILL_JOB]);
      h.refill.stop();
      expect(registry.getIntervals()).toEqual([]);
    });

    it('logs a Redis outage once when it starts and once when it ends, and claims again', async () => {
      const h = await Harness.create();
      await h.refill.start();
      h.store.setLink('down');
      const id = h.task(0);
      await advance(10 * REFILL_EVERY_MS);
      expect(h.store.callsOf('claimDue').filter(({ link }) => link === 'down')).toHaveLength(10);
      expect(logs.of(WindowRefill.name)).toEqual([
        'Cannot claim due tasks from Redis (retrying with backoff): ' +
          'connect ECONNREFUSED 127.0.0.1:6379 (fake outage)',
      ]);

      h.store.resume();
      await advance(10 * REFILL_EVERY_MS);
      expect(h.claimed(id)).toBe(true);
      expect(logs.of(WindowRefill.name, 'log')).toEqual(['Can claim due tasks from Redis again']);
      expect(logs.of(WindowRefill.name)).toHaveLength(2);
      h.refill.stop();
    });
  });
});
