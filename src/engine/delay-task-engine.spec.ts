import { Injectable } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { advance, tick, useFakeTime } from '../../test/support/fake-time';
import { InMemoryTaskStore } from '../../test/support/in-memory-task-store';
import { captureNestLogs } from '../../test/support/log-capture';
import { alignedScheduler } from '../../test/support/scheduler-parts';
import { discoverHandlers } from '../../test/support/discover-handlers';
import { standIn } from '../../test/support/stand-in';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { TaskSpec } from '../domain/task-spec';
import type { StreamInbox } from '../ingest/stream-inbox.service';
import type { TaskIngestService } from '../ingest/task-ingest.service';
import { LeaseSweeper } from '../recovery/lease-sweeper.service';
import { RecoveryService } from '../recovery/recovery.service';
import { WheelDriver } from '../scheduler/wheel-driver.service';
import { WindowRefill } from '../scheduler/window-refill.service';
import { DelayTaskHandler } from '../tasks/delay-task-handler';
import { TaskAbortedError } from '../tasks/errors/task-aborted.error';
import type { TaskContext } from '../tasks/task-context';
import { DelayTask } from '../tasks/delay-task.decorator';
import { TaskRegistry } from '../tasks/task-registry';
import { TaskRunner } from '../tasks/task-runner.service';
import { DelayTaskEngine } from './delay-task-engine';

const ME = 'instance-under-test';
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const GRACE_MS = 3000;
const OPTIONS: DelayTaskOptions = {
  ...defaultOptions(),
  instanceId: ME,
  concurrency: 1,
  shutdownGraceMs: GRACE_MS,
};
const { leaseMs: LEASE_MS, windowMs: WINDOW_MS } = OPTIONS;

useFakeTime(T0);
const logs = captureNestLogs();

/** One run of the held handler: it lasts until the spec finishes it or its signal fires. */
interface HeldRun {
  id: string;
  finish: () => void;
  abortedAt?: number;
  abortReason?: unknown;
}

/** A handler whose runs last until the spec ends them; it stops when its signal fires. */
@DelayTask('Held')
@Injectable()
class HeldHandler extends DelayTaskHandler {
  readonly runs: HeldRun[] = [];

  run(task: TaskSpec, ctx: TaskContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const run: HeldRun = { id: task.id, finish: resolve };
      this.runs.push(run);
      ctx.signal.addEventListener('abort', () => {
        run.abortedAt = Date.now();
        run.abortReason = ctx.signal.reason;
        reject(ctx.signal.reason as TaskAbortedError);
      });
    });
  }
}

/** An engine's stop in progress: when it began, and when it was over. */
class Stopping {
  doneAt: number | undefined;

  constructor(readonly at: number) {}

  /** Fake time runs until the stop is over (its writes wait for timers), for at most `limitMs`. */
  async over(limitMs = GRACE_MS + 1000): Promise<void> {
    const until = Date.now() + limitMs;
    while (this.doneAt === undefined) {
      if (Date.now() > until) throw new Error(`still stopping ${limitMs} ms later`);
      await tick();
    }
  }
}

/**
 * The engine with its real services (runner, driver, refill, sweeper, recovery) on the in-memory
 * store, the held handler registered as `Held`, concurrency 1.
 */
class Harness {
  private constructor(
    readonly store: InMemoryTaskStore,
    readonly engine: DelayTaskEngine,
    readonly handler: HeldHandler,
    /** The app's SchedulerRegistry, where the engine's interval jobs are listed. */
    readonly jobs: SchedulerRegistry,
  ) {}

  static async create(): Promise<Harness> {
    const store = new InMemoryTaskStore({ leaseMs: LEASE_MS });
    const view = store.asTaskStore();
    const { clock, wheel } = await alignedScheduler(store);
    const app = await discoverHandlers([HeldHandler], logs);
    const [handler, registry] = [app.get(HeldHandler), app.get(TaskRegistry)];
    const jobs = new SchedulerRegistry();
    const runner = new TaskRunner(OPTIONS, view, registry);
    const driver = new WheelDriver(wheel, clock, runner, view);
    const sweeper = new LeaseSweeper(OPTIONS, view, jobs);
    const recovery = new RecoveryService(OPTIONS, view, sweeper);
    const refill = new WindowRefill(OPTIONS, view, clock, driver, jobs);
    const inbox = standIn<StreamInbox, 'start' | 'stop'>({
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    });
    const engine = new DelayTaskEngine(
      OPTIONS,
      view,
      recovery,
      refill,
      sweeper,
      driver,
      runner,
      registry,
      inbox,
      standIn<TaskIngestService, 'schedule'>({
        schedule: () => Promise.reject(new Error('not used: no declared schedules')),
      }),
    );
    return new Harness(store, engine, handler, jobs);
  }

  /** A stored task for the held handler, waiting in Redis, due `inMs` from now. */
  task(id: string, inMs = 0): string {
    this.store.addTask(id, JSON.stringify({ id, name: 'Held', payload: {} }), {
      dueMs: Date.now() + inMs,
    });
    return id;
  }

  runOf(id: string): HeldRun {
    const run = this.handler.runs.find((candidate) => candidate.id === id);
    if (!run) throw new Error(`task ${id} has not run`);
    return run;
  }

  /** Starts the engine as Nest does once the app has bootstrapped, and lets due work start. */
  async start(): Promise<void> {
    await this.engine.onApplicationBootstrap();
    await tick();
  }

  /** Begins the engine's stop as Nest does on shutdown; notes when it is over. */
  stop(): Stopping {
    const stopping = new Stopping(Date.now());
    void this.engine.beforeApplicationShutdown().then(() => (stopping.doneAt = Date.now()));
    return stopping;
  }

  /** Who holds each task's lease now (undefined: none, it waits in due or is gone). */
  holders(...ids: string[]): Record<string, string | undefined> {
    return Object.fromEntries(ids.map((id) => [id, this.store.leaseOf(id)?.owner]));
  }

  /** What this instance gave back unstarted: released at once, or written back by the runner. */
  givenBack(): { released: number[]; unstarted: number[] } {
    const released = this.store
      .callsOf('releaseClaims')
      .flatMap(({ refs }) => refs.map(({ token }) => token));
    const unstarted = this.store.written
      .filter(({ outcome }) => outcome.outcome === 'unstarted')
      .map(({ outcome }) => outcome.token);
    return { released, unstarted };
  }

  methodsCalled(): string[] {
    return this.store.calls.map(({ method }) => method);
  }
}

/** Tasks in every place a stopping instance may hold them; `running` runs, the others wait. */
async function startWithWork(h: Harness): Promise<void> {
  // Due a little earlier, so that it is the one that runs (concurrency 1).
  h.task('running', -1);
  h.task('confirmed');
  h.task('held', 1500);
  h.task('backlog', 10_000);
  await h.start();
  expect(h.handler.runs.map(({ id }) => id)).toEqual(['running']);
  expect(h.holders('running', 'confirmed', 'held', 'backlog')).toEqual({
    running: ME,
    confirmed: ME,
    held: ME,
    backlog: undefined,
  });
}

describe('DelayTaskEngine', () => {
  describe('start', () => {
    it('restores before its first refill: what a crashed instance held is claimed here at once', async () => {
      const h = await Harness.create();
      h.task('orphan');
      h.store.claim('orphan', 'crashed-instance');
      await advance(LEASE_MS);

      const before = h.store.calls.length;
      await h.engine.onApplicationBootstrap();
      expect(h.methodsCalled().slice(before, before + 3)).toEqual([
        'reclaimExpired',
        'counts',
        'claimDue',
      ]);
      expect(h.holders('orphan')).toEqual({ orphan: ME });
      await tick();
      expect(h.handler.runs.map(({ id }) => id)).toEqual(['orphan']);
    });

    it('starts housekeeping once the window is filled: its jobs come after the refill’s', async () => {
      const h = await Harness.create();
      await h.start();
      expect(h.jobs.getIntervals()).toEqual([
        'delaytask:refill-window',
        'delaytask:reclaim-expired',
        'delaytask:prune-finished',
      ]);
      await h.engine.beforeApplicationShutdown();
    });
  });

  describe('stop', () => {
    it('claims nothing once stopping, even while the give-back waits for Redis', async () => {
      const h = await Harness.create();
      await startWithWork(h);
      h.store.setLink('paused');
      const stopping = h.stop();
      // The refill's and the sweeper's intervals pass, and the backlog enters the window.
      await advance(10_000 - WINDOW_MS);

      h.store.resume();
      h.runOf('running').finish();
      await stopping.over();
      const since = (at: number): boolean => at >= stopping.at;
      expect(h.store.callsOf('claimDue').filter(({ at }) => since(at))).toEqual([]);
      expect(h.store.callsOf('reclaimExpired').filter(({ at }) => since(at))).toEqual([]);
      expect(h.holders('backlog')).toEqual({ backlog: undefined });
    });

    it('gives back what a refill answered after the stop began (regression: left to lapse a lease)', async () => {
      const h = await Harness.create();
      await h.start();
      h.task('late', WINDOW_MS + 100);
      // The refill that takes it into the window is on its way when the stop begins.
      h.store.setLink('paused', 'claimDue');
      await advance(400);
      const stopping = h.stop();
      await tick();
      h.store.resume();
      await stopping.over();
      await tick();

      expect(h.store.callsOf('claimDue').at(-1)?.at).toBeLessThan(stopping.at);
      expect(h.holders('late')).toEqual({ late: undefined });
      expect(h.store.dueIds()).toEqual(['late']);
      expect(logs.of(WheelDriver.name)).toEqual([
        'Stopping: gave back 1 task(s) claimed as the stop began',
      ]);
    });

    it('gives back at once what the driver held and the runner had not started', async () => {
      const h = await Harness.create();
      await startWithWork(h);
      const tokens = {
        confirmed: h.store.leaseOf('confirmed')?.token,
        held: h.store.leaseOf('held')?.token,
      };
      const stopping = h.stop();
      await tick();

      expect(h.givenBack()).toEqual({ released: [tokens.held], unstarted: [tokens.confirmed] });
      expect(h.holders('confirmed', 'held')).toEqual({ confirmed: undefined, held: undefined });
      expect(h.store.dueIds()).toEqual(['confirmed', 'held', 'backlog']);
      expect(logs.of(DelayTaskEngine.name)).toEqual([
        'Stopping: gave back 1 claimed task(s) for other instances',
      ]);
      h.runOf('running').finish();
      await stopping.over();
    });

    it('gives back a burst the runner had not yet confirmed, too', async () => {
      const h = await Harness.create();
      // All due now: claimed and confirmed in ID order, as a sorted set orders ties.
      const burst = Array.from({ length: 100 }, (_, i) =>
        h.task(`burst-${String(i).padStart(3, '0')}`),
      );
      h.task('held', 1500);
      await h.start();
      const [running, ...waiting] = burst;
      const stopping = h.stop();
      await tick();

      const { released, unstarted } = h.givenBack();
      // Besides `held`, the part of the burst the runner had not sent to Redis yet is released.
      expect(released.length).toBeGreaterThan(1);
      expect(new Set([...released, ...unstarted]).size).toBe(waiting.length + 1);
      expect(released.length + unstarted.length).toBe(waiting.length + 1);
      expect(h.holders(...waiting, 'held')).toEqual(
        Object.fromEntries([...waiting, 'held'].map((id) => [id, undefined])),
      );
      h.runOf(running).finish();
      await stopping.over();
    });

    it('lets a running task finish within the grace period, and records its outcome', async () => {
      const h = await Harness.create();
      await startWithWork(h);
      const stopping = h.stop();
      await advance(1000);
      expect(stopping.doneAt).toBeUndefined();

      h.runOf('running').finish();
      await stopping.over();
      // Over once the outcome is written, long before the grace period would have ended.
      expect(stopping.doneAt).toBeLessThan(stopping.at + 1000 + 10);
      expect(h.runOf('running').abortedAt).toBeUndefined();
      expect(h.store.isDone('running')).toBe(true);
    });

    it('aborts what still runs when the grace period is over; the task goes back for others', async () => {
      const h = await Harness.create();
      await startWithWork(h);
      const stopping = h.stop();
      await advance(GRACE_MS - 1);
      expect(h.runOf('running').abortReason).toBeUndefined();

      await advance(1);
      expect(h.runOf('running').abortedAt).toBe(stopping.at + GRACE_MS);
      expect(h.runOf('running').abortReason).toMatchObject({ kind: 'shutdown' });
      await stopping.over();
      expect(h.holders('running')).toEqual({ running: undefined });
      expect(h.store.dueIds()).toContain('running');
    });
  });
});
