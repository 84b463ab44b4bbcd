import { SchedulerRegistry } from '@nestjs/schedule';
import { advance, advanceTo, useFakeTime } from '../../test/support/fake-time';
import { InMemoryTaskStore } from '../../test/support/in-memory-task-store';
import { captureNestLogs } from '../../test/support/log-capture';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { LeaseSweeper } from './lease-sweeper.service';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const DEAD_INSTANCE = 'dead-instance';
/** LeaseSweeper's bounds: claims per reclaimExpired call, entries per pruneFinished call. */
const RECLAIM_LIMIT = 5000;
const PRUNE_LIMIT = 5000;
const PRUNE_EVERY_MS = 60_000;
const JOBS = ['delaytask:reclaim-expired', 'delaytask:prune-finished'];

useFakeTime(T0);
const logs = captureNestLogs();

/** A sweeper on the in-memory store. */
class Harness {
  readonly options: DelayTaskOptions;
  readonly store: InMemoryTaskStore;
  readonly sweeper: LeaseSweeper;

  constructor(setup: { leaseMs?: number; registry?: SchedulerRegistry } = {}) {
    this.options = { ...defaultOptions(), leaseMs: setup.leaseMs ?? defaultOptions().leaseMs };
    const { leaseMs, completedRetentionMs, completedMax, replayWindowMs } = this.options;
    this.store = new InMemoryTaskStore({
      leaseMs,
      completedRetentionMs,
      completedMax,
      replayWindowMs,
    });
    this.sweeper = new LeaseSweeper(this.options, this.store.asTaskStore(), setup.registry);
  }

  /** Tasks claimed now by an instance that then died: their leases lapse one lease from now. */
  claimedByTheDead(count: number, prefix = 'task'): string[] {
    return Array.from({ length: count }, (_, i) => {
      const id = `${prefix}-${String(i).padStart(6, '0')}`;
      this.store.addClaimed(id, `{"id":"${id}"}`, { dueMs: Date.now() }, DEAD_INSTANCE);
      return id;
    });
  }

  /** Submissions that completed `agoMs` ago, remembered in the completed set. */
  completedAgo(count: number, agoMs: number): void {
    for (let i = 0; i < count; i++) {
      this.store.rememberCompleted(`done-${i}`, `{"id":"done-${i}"}`, Date.now() - agoMs);
    }
  }

  limitsOf(method: 'reclaimExpired' | 'pruneFinished'): number[] {
    return this.store.callsOf(method).map(({ limit }) => limit);
  }

  callTimes(method: 'reclaimExpired' | 'pruneFinished'): number[] {
    return this.store.callsOf(method).map(({ at }) => at - T0);
  }
}

describe('LeaseSweeper', () => {
  describe('reclaimExpired()', () => {
    it.each([
      { lapsed: 12_000, rounds: 3 },
      { lapsed: 2 * RECLAIM_LIMIT, rounds: 3 },
      { lapsed: 1, rounds: 1 },
    ])(
      'puts $lapsed lapsed claim(s) back in due in $rounds round(s): until one takes fewer than its limit',
      async ({ lapsed, rounds }) => {
        const h = new Harness();
        const ids = h.claimedByTheDead(lapsed);
        await advance(h.options.leaseMs);

        expect(await h.sweeper.reclaimExpired()).toBe(lapsed);
        expect(h.limitsOf('reclaimExpired')).toEqual(Array(rounds).fill(RECLAIM_LIMIT));
        expect(h.store.dueIds()).toEqual(ids);
        expect(logs.of(LeaseSweeper.name)).toEqual([
          `Took back ${lapsed} task(s) whose instance stopped renewing its lease`,
        ]);
      },
    );

    it('leaves live leases alone, and says nothing when nothing lapsed', async () => {
      const h = new Harness();
      const [id] = h.claimedByTheDead(1);
      await advance(h.options.leaseMs - 1);

      expect(await h.sweeper.reclaimExpired()).toBe(0);
      expect(h.store.leaseOf(id)?.owner).toBe(DEAD_INSTANCE);
      expect(logs.lines).toEqual([]);
    });
  });

  describe('start() and stop()', () => {
    it.each([
      { leaseMs: 5000, everyMs: 1000 },
      { leaseMs: 2000, everyMs: 400 },
      { leaseMs: 60_000, everyMs: 1000 },
    ])(
      'with a $leaseMs ms lease, reclaims every $everyMs ms (a fifth of it, at most 1 s)',
      async ({ leaseMs, everyMs }) => {
        const h = new Harness({ leaseMs });
        h.sweeper.start();
        await advance(3 * everyMs);
        expect(h.callTimes('reclaimExpired')).toEqual([everyMs, 2 * everyMs, 3 * everyMs]);
        h.sweeper.stop();
      },
    );

    it('gives a dead instance’s claims back within one round of their lapsing', async () => {
      const h = new Harness();
      h.sweeper.start();
      await advance(300);
      const ids = h.claimedByTheDead(3);
      const lapseAt = T0 + 300 + h.options.leaseMs;

      await advanceTo(lapseAt - 1);
      expect(h.store.dueIds()).toEqual([]);
      await advanceTo(lapseAt + 1000);
      expect(h.store.dueIds()).toEqual(ids);
      h.sweeper.stop();
    });

    it(`prunes every minute, in rounds of ${PRUNE_LIMIT} until one prunes fewer`, async () => {
      const h = new Harness();
      h.completedAgo(12_000, h.options.completedRetentionMs + 1);
      h.sweeper.start();

      await advance(PRUNE_EVERY_MS - 1);
      expect(h.store.callsOf('pruneFinished')).toEqual([]);
      await advance(1);
      expect(h.limitsOf('pruneFinished')).toEqual([PRUNE_LIMIT, PRUNE_LIMIT, PRUNE_LIMIT]);
      expect((await h.store.counts()).done).toBe(0);
      await advance(PRUNE_EVERY_MS);
      expect(h.callTimes('pruneFinished')).toEqual([
        PRUNE_EVERY_MS,
        PRUNE_EVERY_MS,
        PRUNE_EVERY_MS,
        2 * PRUNE_EVERY_MS,
      ]);
      h.sweeper.stop();
    });

    it('prunes only what is past its bounds', async () => {
      const h = new Harness();
      h.completedAgo(10, h.options.completedRetentionMs - PRUNE_EVERY_MS - 1);
      h.sweeper.start();
      await advance(PRUNE_EVERY_MS);
      expect((await h.store.counts()).done).toBe(10);
      await advance(PRUNE_EVERY_MS);
      expect((await h.store.counts()).done).toBe(0);
      h.sweeper.stop();
    });

    it('goes on after a round that failed (Redis away)', async () => {
      const h = new Harness();
      h.sweeper.start();
      h.store.setLink('down');
      const ids = h.claimedByTheDead(2);
      await advance(h.options.leaseMs + 1000);
      expect(h.store.dueIds()).toEqual([]);

      h.store.resume();
      await advance(1000);
      expect(h.store.dueIds()).toEqual(ids);
      h.sweeper.stop();
    });

    it.each([
      { registry: 'the app’s SchedulerRegistry', make: () => new SchedulerRegistry() },
      { registry: 'no SchedulerRegistry', make: () => undefined },
    ])('with $registry: does nothing more after stop()', async ({ make }) => {
      const h = new Harness({ registry: make() });
      h.completedAgo(10, h.options.completedRetentionMs + 1);
      h.sweeper.start();
      await advance(2500);
      h.sweeper.stop();
      const ids = h.claimedByTheDead(2);

      await advance(10 * PRUNE_EVERY_MS);
      expect(h.callTimes('reclaimExpired')).toEqual([1000, 2000]);
      expect(h.store.callsOf('pruneFinished')).toEqual([]);
      expect(h.store.dueIds()).toEqual([]);
      expect(h.store.leaseOf(ids[0])?.owner).toBe(DEAD_INSTANCE);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('lists its jobs in a SchedulerRegistry while started', () => {
      const registry = new SchedulerRegistry();
      const h = new Harness({ registry });
      h.sweeper.start();
      expect(registry.getIntervals()).toEqual(JOBS);
      h.sweeper.stop();
      expect(registry.getIntervals()).toEqual([]);
    });
  });
});
