import { Logger, type LoggerService } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';
import { IsString } from 'class-validator';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { runInThisContext } from 'node:vm';
import { OTHER_INSTANCE, type TaskTimes } from '../../test/support/in-memory-run-store';
import { InMemoryTaskStore } from '../../test/support/in-memory-task-store';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { defaultOptions } from '../config/default-options';
import type { CompleteCode } from '../store/task-store';
import type { Claim, RunOutcome } from '../domain/claim';
import { DelayTaskHandler } from './delay-task-handler';
import { TaskAbortedError, type AbortKind } from './errors/task-aborted.error';
import type { TaskContext } from './task-context';
import type { TaskRegistry, TaskType } from './task-registry';
import { TaskRunner } from './task-runner.service';
import { jitterOffsetMs } from '../schedules/jitter';
import type { TaskSpec } from '../domain/task-spec';

const ME = 'instance-under-test';
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
/**
 * The timings below are worked out from the default 5 s lease: the runner renews every third of
 * it (from its first launch), stops a run whose lease it could not renew 1 s (its margin) before
 * that lease may lapse, and looks for such runs every 500 ms.
 */
const LEASE_MS = defaultOptions().leaseMs;
const MARGIN_MS = 1000;

// Jest hands the spec a copy of `process` whose events never fire; the real one lives in the
// main context, and that is where an unhandled rejection is reported.
const realProcess = runInThisContext('process') as NodeJS.Process;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

/** Nest's static logger, captured: no console noise, and lines a spec can look for. */
class LogCapture implements LoggerService {
  lines: string[] = [];
  log = this.keep('log');
  error = this.keep('error');
  warn = this.keep('warn');
  debug = this.keep('debug');
  verbose = this.keep('verbose');

  private keep(level: string): (message: unknown, context?: unknown) => void {
    return (message, context) =>
      void this.lines.push(`${level} ${String(context)}: ${String(message)}`);
  }
}
const logs = new LogCapture();

beforeAll(() => {
  realProcess.on('unhandledRejection', onUnhandled);
  Logger.overrideLogger(logs);
});
afterAll(() => {
  realProcess.off('unhandledRejection', onUnhandled);
  Logger.overrideLogger(true);
});
beforeEach(() => {
  jest.useFakeTimers({ now: T0 });
  logs.lines = [];
  unhandled.length = 0;
});
afterEach(async () => {
  // A rejection is reported once the microtask queue has drained: let a real turn pass first.
  const { setImmediate: realSetImmediate } = jest.requireActual<typeof import('timers')>('timers');
  await new Promise((resolve) => realSetImmediate(resolve));
  jest.useRealTimers();
  expect(unhandled).toEqual([]);
});

/**
 * One fake millisecond: everything already due runs, including the setImmediate the outcome
 * writer waits for (fake timers put an immediate made while timers fire 1 ms later).
 */
const tick = (): Promise<void> => jest.advanceTimersByTimeAsync(1);
const advance = (ms: number): Promise<void> => jest.advanceTimersByTimeAsync(ms);
const advanceTo = (atMs: number): Promise<void> => advance(atMs - Date.now());

/** One call of the probe handler: it runs until the spec ends it, and notes what its signal said. */
class ProbeRun {
  readonly startedAt = Date.now();
  abortedAt: number | undefined;
  reason: unknown;
  readonly done: Promise<void>;
  finish!: () => void;

  constructor(
    readonly task: TaskSpec,
    readonly ctx: TaskContext,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.finish = resolve;
      // A well-behaved handler stops when told, rejecting with the signal's reason (as fetch does).
      ctx.signal.addEventListener('abort', () => {
        this.abortedAt = Date.now();
        this.reason = ctx.signal.reason;
        // The runner aborts with a TaskAbortedError, whatever the signal's type says.
        reject(ctx.signal.reason as TaskAbortedError);
      });
    });
  }

  get token(): number {
    return this.ctx.fencingToken;
  }

  get abortKind(): AbortKind | undefined {
    return this.reason instanceof TaskAbortedError ? this.reason.kind : undefined;
  }
}

class ProbeHandler extends DelayTaskHandler {
  readonly runs: ProbeRun[] = [];

  run(task: TaskSpec, ctx: TaskContext): Promise<void> {
    const run = new ProbeRun(task, ctx);
    this.runs.push(run);
    return run.done;
  }

  get tokens(): number[] {
    return this.runs.map((run) => run.token);
  }

  byToken(token: number): ProbeRun {
    const run = this.runs.find((candidate) => candidate.token === token);
    if (!run) throw new Error(`no probe run has token ${token} (runs: ${this.tokens.join()})`);
    return run;
  }
}

/** A handler written in plain JavaScript, or lying about its types: it may return or throw anything. */
class LooseHandler extends DelayTaskHandler {
  constructor(private readonly body: (task: TaskSpec, ctx: TaskContext) => unknown) {
    super();
  }

  run(task: TaskSpec, ctx: TaskContext): Promise<void> {
    return this.body(task, ctx) as Promise<void>;
  }
}

/** The runner only looks task types up; discovery at bootstrap is the rest of TaskRegistry. */
function registryOf(types: ReadonlyMap<string, TaskType>): TaskRegistry {
  const lookup: Pick<TaskRegistry, 'get' | 'has'> = {
    get: (name) => types.get(name),
    has: (name) => types.has(name),
  };
  return lookup as TaskRegistry;
}

function recordOf(id: string, name: string, spec: Partial<TaskSpec> = {}): string {
  const task: TaskSpec = { id, name, payload: {}, ...spec };
  return JSON.stringify(task);
}

/** Throws whatever it is given, as careless handler code does. */
function raise(value: unknown): never {
  throw value;
}

const byNumber = (a: number, b: number): number => a - b;

/** A payload class: `guest` read from `Guest`, as the ping tasks read `Url` from `url`. */
class Greeting {
  @Expose()
  @Transform(({ obj }) => (obj as Record<string, unknown>).Guest, { toClassOnly: true })
  @IsString()
  readonly guest!: string;
}

/** A payload class that cannot make an instance of what it is given. */
class Unreadable {
  @Transform(() => raise(new Error('unreadable payload')), { toClassOnly: true })
  readonly field!: string;
}

interface TaskSetup extends Partial<Pick<TaskTimes, 'dueMs'>> {
  name?: string;
  spec?: Partial<TaskSpec>;
  /** The stored record as is, for records ingest would never write. */
  record?: string;
}

/** A runner on the fake store, with the probe registered as `Probe`. */
class Harness {
  readonly options: DelayTaskOptions;
  readonly store: InMemoryTaskStore;
  readonly probe = new ProbeHandler();
  readonly runner: TaskRunner;
  /** What `onNextOccurrences` listeners received. */
  readonly next: Claim[] = [];
  private ids = 0;

  constructor(
    setup: {
      options?: Partial<DelayTaskOptions>;
      handlers?: Record<string, DelayTaskHandler>;
      /** Task types with options of their own (handlers above have none). */
      types?: Record<string, TaskType>;
    } = {},
  ) {
    this.options = { ...defaultOptions(), instanceId: ME, concurrency: 1, ...setup.options };
    const { leaseMs, maxStalls } = this.options;
    this.store = new InMemoryTaskStore({ leaseMs, maxStalls });
    const handlers = Object.entries({ Probe: this.probe, ...setup.handlers });
    const types = new Map<string, TaskType>([
      ...handlers.map(([name, handler]): [string, TaskType] => [name, { handler, options: {} }]),
      ...Object.entries(setup.types ?? {}),
    ]);
    this.runner = new TaskRunner(this.options, this.store, registryOf(types));
    this.runner.onNextOccurrences((claims) => this.next.push(...claims));
  }

  /** A stored task claimed for this instance, due now unless told otherwise. */
  task(setup: TaskSetup = {}): Claim {
    const id = `task-${++this.ids}`;
    const record = setup.record ?? recordOf(id, setup.name ?? 'Probe', setup.spec);
    const { dueMs = Date.now(), spec = {} } = setup;
    // A periodic task has a period entry, as acceptItem writes it.
    const periodic = spec.intervalMs !== undefined || spec.cron !== undefined;
    const period = periodic ? { jitterMs: spec.jitterMs } : undefined;
    return this.store.addClaimed(id, record, { dueMs, period }, ME);
  }

  /** Hands claims to the runner, as the wheel does when they fall due. */
  async fire(...claims: Claim[]): Promise<void> {
    this.runner.enqueue(claims);
    await tick();
  }

  /** What the store applied for a task, in order. */
  written(id: string): { token: number; outcome: RunOutcome['outcome']; code: CompleteCode }[] {
    return this.store.written
      .filter(({ outcome }) => outcome.id === id)
      .map(({ outcome, code }) => ({ token: outcome.token, outcome: outcome.outcome, code }));
  }

  /** The outcome the store applied for a run (the whole of it, error text included). */
  outcomeOf(token: number): RunOutcome | undefined {
    return this.store.written.find(({ outcome }) => outcome.token === token)?.outcome;
  }

  /** Every outcome the runner tried to write for a run, answered or not. */
  sent(token: number): RunOutcome['outcome'][] {
    return this.sentCalls(token).map(
      (call) => call.outcomes.find((outcome) => outcome.token === token)?.outcome ?? 'ok',
    );
  }

  /** When the runner first tried to write an outcome for a run. */
  firstSentAt(token: number): number | undefined {
    return this.sentCalls(token)[0]?.at;
  }

  /** The tokens of the last renewal, in order. */
  lastRenewed(): number[] {
    const refs = this.store.callsOf('renewLeases').at(-1)?.refs ?? [];
    return refs.map(({ token }) => token).sort(byNumber);
  }

  leaseExpiry(id: string): number {
    const lease = this.store.leaseOf(id);
    if (!lease) throw new Error(`task ${id} holds no lease in the store`);
    return lease.expiresAt;
  }

  private sentCalls(token: number) {
    return this.store
      .callsOf('completeRuns')
      .filter((call) => call.outcomes.some((outcome) => outcome.token === token));
  }
}

describe('TaskRunner', () => {
  describe('run identity: runs are named by their fencing token', () => {
    /** This instance stalled; its lease of the task lapsed and it claimed the task again. */
    async function runTwiceAtOnce(h: Harness): Promise<[Claim, Claim]> {
      const first = h.task();
      await h.fire(first);
      await advanceTo(T0 + 1000);
      const second = h.store.takeOver(first.id, ME);
      await h.fire(second);
      return [first, second];
    }

    it('renews both runs of one task, each under its token; the taken-over one stops', async () => {
      const h = new Harness({ options: { concurrency: 2 } });
      const [first, second] = await runTwiceAtOnce(h);
      expect(h.probe.tokens).toEqual([first.token, second.token]);
      expect(h.probe.runs.map((run) => run.ctx.attempt)).toEqual([1, 2]);

      await h.runner.renewLeases();
      await tick();
      expect(h.lastRenewed()).toEqual([first.token, second.token]);
      expect(h.probe.byToken(first.token).abortKind).toBe('taken-over');
      expect(h.probe.byToken(second.token).abortedAt).toBeUndefined();

      h.probe.byToken(second.token).finish();
      await tick();
      expect(h.written(first.id)).toEqual([
        { token: first.token, outcome: 'abandoned', code: 'stale' },
        { token: second.token, outcome: 'ok', code: 'done' },
      ]);
    });

    it('keeps the newer run’s lease after the older run finished (regression: runs keyed by ID)', async () => {
      const h = new Harness({ options: { concurrency: 2 } });
      const [first, second] = await runTwiceAtOnce(h);
      h.probe.byToken(first.token).finish();
      await tick();
      expect(h.written(first.id)).toEqual([{ token: first.token, outcome: 'ok', code: 'stale' }]);

      await advance(3 * LEASE_MS);
      expect(h.lastRenewed()).toEqual([second.token]);
      expect(h.probe.byToken(second.token).abortedAt).toBeUndefined();
      expect(h.store.leaseOf(first.id)).toMatchObject({ token: second.token, running: true });
      expect(h.leaseExpiry(first.id)).toBeGreaterThan(Date.now() + MARGIN_MS);

      h.probe.byToken(second.token).finish();
      await tick();
      expect(h.written(first.id).at(-1)).toEqual({
        token: second.token,
        outcome: 'ok',
        code: 'done',
      });
      expect(h.store.isDone(first.id)).toBe(true);
      expect(h.probe.runs).toHaveLength(2);
    });

    it('a reschedule while running: the old run stops, then the new content runs under its token', async () => {
      const h = new Harness({ options: { concurrency: 2 } });
      const first = h.task();
      await h.fire(first);
      const oldLeaseEnd = h.leaseExpiry(first.id);
      await advanceTo(T0 + 1000);
      const newRecord = recordOf(first.id, 'Probe', { payload: { version: 2 } });
      const second = h.store.reschedule(first.id, newRecord, { dueMs: Date.now() }, ME);
      if (!second) throw new Error('the reschedule was to be claimed for this instance');
      await h.fire(second);
      // Held back: the old content's run may still be running until its lease expires.
      expect(h.probe.tokens).toEqual([first.token]);

      await h.runner.renewLeases();
      expect(h.probe.byToken(first.token).abortKind).toBe('rescheduled');
      await advanceTo(oldLeaseEnd);
      const rerun = h.probe.byToken(second.token);
      expect(rerun.task.payload).toEqual({ version: 2 });

      rerun.finish();
      await tick();
      expect(h.written(first.id)).toEqual([
        { token: first.token, outcome: 'abandoned', code: 'stale' },
        { token: second.token, outcome: 'ok', code: 'done' },
      ]);
    });
  });

  describe('lease lost, as a renewal answers', () => {
    const losses: {
      reason: string;
      kind: AbortKind;
      lose: (store: InMemoryTaskStore, id: string) => void;
    }[] = [
      { reason: 'takenOver', kind: 'taken-over', lose: (store, id) => void store.takeOver(id) },
      {
        reason: 'rescheduled',
        kind: 'rescheduled',
        lose: (store, id) => {
          const record = recordOf(id, 'Probe', { payload: { version: 2 } });
          store.reschedule(id, record, { dueMs: Date.now() + 60_000 });
        },
      },
      { reason: 'removed', kind: 'removed', lose: (store, id) => store.remove(id) },
    ];

    it.each(losses)(
      '$reason: aborts the run with kind $kind, frees its slot, writes abandoned',
      async ({ kind, lose }) => {
        const h = new Harness();
        const [lost, waiting] = [h.task(), h.task()];
        await h.fire(lost, waiting);
        await advanceTo(T0 + 1000);
        lose(h.store, lost.id);

        await h.runner.renewLeases();
        await tick();
        const run = h.probe.byToken(lost.token);
        expect(run.reason).toBeInstanceOf(TaskAbortedError);
        expect(run.reason).toMatchObject({ kind, taskId: lost.id });
        expect(h.written(lost.id)).toEqual([
          { token: lost.token, outcome: 'abandoned', code: 'stale' },
        ]);
        // The slot it held went to the next task.
        expect(h.probe.tokens).toEqual([lost.token, waiting.token]);
      },
    );

    it('drops a confirmed run not yet started whose lease was lost; it never starts here', async () => {
      const h = new Harness();
      const [running, confirmed] = [h.task(), h.task()];
      await h.fire(running, confirmed);
      h.store.takeOver(confirmed.id);

      await h.runner.renewLeases();
      h.probe.byToken(running.token).finish();
      await advance(LEASE_MS);
      expect(h.probe.tokens).toEqual([running.token]);
      expect(h.sent(confirmed.token)).toEqual([]);
      expect(h.store.leaseOf(confirmed.id)).toMatchObject({ owner: OTHER_INSTANCE });
    });
  });

  describe('claims waiting for a slot', () => {
    /** More than a runner at concurrency 1 confirms ahead (batches of 64 at most): the last wait. */
    const CLAIMS = 300;

    it('are renewed while they wait, so that none lapses however long the slots stay busy', async () => {
      const h = new Harness();
      const claims = Array.from({ length: CLAIMS }, () => h.task());
      await h.fire(...claims);
      const unconfirmed = claims.at(-1) as Claim;
      expect(h.store.callsOf('startRuns').flatMap((call) => call.claims)).not.toContainEqual(
        unconfirmed,
      );

      await advance(3 * LEASE_MS);
      expect(h.leaseExpiry(unconfirmed.id)).toBeGreaterThan(Date.now());
      expect(h.store.leaseOf(unconfirmed.id)).toMatchObject({
        owner: ME,
        token: unconfirmed.token,
      });
    });

    it('lost while waiting (taken over): dropped, never started here', async () => {
      const h = new Harness();
      const claims = Array.from({ length: CLAIMS }, () => h.task());
      await h.fire(...claims);
      const unconfirmed = claims.at(-1) as Claim;
      h.store.takeOver(unconfirmed.id);

      await advance(LEASE_MS);
      expect(h.runner.load.claimed).toBe(claims.length - 1);
      expect(h.store.callsOf('startRuns').flatMap((call) => call.claims)).not.toContainEqual(
        unconfirmed,
      );
    });
  });

  describe('capacity: what it can start within half a lease', () => {
    it('is one confirmation batch before any run, and follows the rate runs finish at', async () => {
      const concurrency = 4;
      const tenMs = new LooseHandler(() => new Promise((resolve) => setTimeout(resolve, 10)));
      const h = new Harness({ options: { concurrency }, handlers: { TenMs: tenMs } });
      // At least 64 claims per confirmation, 20 per slot.
      expect(h.runner.capacity).toBe(80);

      await h.fire(...Array.from({ length: 1000 }, () => h.task({ name: 'TenMs' })));
      await advance(2000);
      // 4 slots of 10 ms runs: 400 a second, 1,000 in half a 5 s lease.
      expect(h.runner.capacity).toBeGreaterThan(900);
      expect(h.runner.capacity).toBeLessThanOrEqual(1000);
    });
  });

  describe('renewal impossible', () => {
    it.each(['paused', 'down'] as const)(
      'Redis %s: the run stops before its lease can lapse, the confirmed one goes back unstarted',
      async (link) => {
        const h = new Harness();
        const [running, confirmed] = [h.task(), h.task()];
        await h.fire(running, confirmed);
        await advanceTo(T0 + 1000);
        await h.runner.renewLeases();
        const leaseEnd = h.leaseExpiry(running.id);
        expect(leaseEnd).toBe(T0 + 1000 + LEASE_MS);

        h.store.setLink(link);
        await advanceTo(leaseEnd + LEASE_MS);
        const run = h.probe.byToken(running.token);
        expect(run.abortKind).toBe('lease-expired');
        expect(run.abortedAt).toBeLessThan(leaseEnd);
        expect(run.abortedAt).toBeGreaterThanOrEqual(leaseEnd - MARGIN_MS);
        expect(h.sent(running.token)[0]).toBe('abandoned');
        // The confirmed run shared that lease time: given back, never started in the freed slot.
        expect(h.probe.tokens).toEqual([running.token]);
        expect(h.sent(confirmed.token)[0]).toBe('unstarted');
        expect(h.firstSentAt(confirmed.token)).toBeLessThan(h.leaseExpiry(confirmed.id));

        h.store.resume();
        await advance(1000);
        expect(h.written(running.id)).toEqual([
          { token: running.token, outcome: 'abandoned', code: 'released' },
        ]);
        expect(h.written(confirmed.id)).toEqual([
          { token: confirmed.token, outcome: 'unstarted', code: 'released' },
        ]);
        // The abandoned start counts towards the stall limit; the unstarted one does not.
        expect(h.store.attemptsOf(running.id)).toBe(1);
        expect(h.store.attemptsOf(confirmed.id)).toBe(0);
      },
    );

    it('a renewal’s lease counts from when it was sent, not from when its answer came', async () => {
      const h = new Harness();
      const task = h.task();
      await h.fire(task);
      await advanceTo(T0 + 1000);
      h.store.setLink('lagging');
      void h.runner.renewLeases();
      const leaseEnd = h.leaseExpiry(task.id);
      await advanceTo(T0 + 3000);
      h.store.resume();
      await tick();

      h.store.setLink('down');
      await advanceTo(leaseEnd + LEASE_MS);
      const run = h.probe.byToken(task.token);
      expect(run.abortKind).toBe('lease-expired');
      expect(run.abortedAt).toBeLessThan(leaseEnd);
    });

    it('a renewal extends only the leases it renewed, not a run confirmed while it was on its way', async () => {
      const h = new Harness();
      const running = h.task();
      await h.fire(running);
      // Replies are slow: Redis starts the next run now, and the runner hears of it only after
      // a renewal sent more than the margin later (before any periodic one).
      h.store.setLink('lagging');
      const confirmed = h.task();
      await h.fire(confirmed);
      const confirmedLeaseEnd = h.leaseExpiry(confirmed.id);
      await advanceTo(T0 + 1600);
      void h.runner.renewLeases();
      h.store.resume();
      await tick();
      expect(h.lastRenewed()).toEqual([running.token]);

      h.store.setLink('down');
      await advanceTo(confirmedLeaseEnd + LEASE_MS);
      expect(h.firstSentAt(confirmed.token)).toBeLessThan(confirmedLeaseEnd);
      expect(h.probe.tokens).toEqual([running.token]);
    });

    it('a short outage does not stop a run: the next renewal that succeeds keeps it', async () => {
      const h = new Harness();
      const task = h.task();
      await h.fire(task);
      h.store.setLink('down');
      await advanceTo(T0 + 3000);
      h.store.resume();

      await advanceTo(T0 + 3 * LEASE_MS);
      const run = h.probe.byToken(task.token);
      expect(run.abortedAt).toBeUndefined();
      run.finish();
      await tick();
      expect(h.written(task.id)).toEqual([{ token: task.token, outcome: 'ok', code: 'done' }]);
    });
  });

  describe('a confirmation answered late (an outage held it up)', () => {
    /**
     * Redis was unreachable when the claim was sent for confirmation and starts it 3.6 s later,
     * when it is back; the runner cannot tell when Redis did, so it counts the lease from when it
     * asked: 400 ms of it are sure, less than a renewal period.
     */
    async function confirmedLate(h: Harness, renewals: 'answer' | 'fail'): Promise<Claim> {
      const task = h.task();
      h.store.setLink('paused');
      await h.fire(task);
      await advanceTo(T0 + 3600);
      h.store.resume();
      // Before the answer that was held up is handled.
      if (renewals === 'fail') h.store.setLink('down', 'renewLeases');
      return task;
    }

    it('is renewed before it starts, then runs to its end (regression: started, given up, run again)', async () => {
      const h = new Harness();
      const task = await confirmedLate(h, 'answer');
      await tick();
      const run = h.probe.byToken(task.token);
      expect(run.startedAt).toBeGreaterThanOrEqual(T0 + 3600);
      const renewals = h.store.callsOf('renewLeases');
      expect(renewals.map(({ at }) => at)).toEqual([T0 + 3600]);
      expect(h.lastRenewed()).toEqual([task.token]);

      await advanceTo(T0 + 3 * LEASE_MS);
      expect(run.abortedAt).toBeUndefined();
      run.finish();
      await tick();
      expect(h.written(task.id)).toEqual([{ token: task.token, outcome: 'ok', code: 'done' }]);
    });

    it('whose renewal fails is given back unstarted before its lease can lapse, never started here', async () => {
      const h = new Harness();
      const task = await confirmedLate(h, 'fail');
      await advanceTo(T0 + 2 * LEASE_MS);
      expect(h.probe.tokens).toEqual([]);
      expect(h.sent(task.token)[0]).toBe('unstarted');
      // Before the earliest its lease could lapse (had Redis started it when asked).
      expect(h.firstSentAt(task.token)).toBeLessThan(T0 + LEASE_MS);
    });
  });

  describe('after a stall of the event loop (real timers and a real socket)', () => {
    let server: Server;
    let sockets: { client: Socket; peer: Socket };
    beforeEach(async () => {
      jest.useRealTimers();
      server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const address = server.address();
      const client = connect(typeof address === 'object' && address ? address.port : 0);
      const [peer] = (await once(server, 'connection')) as [Socket];
      sockets = { client, peer };
    });
    afterEach(() => {
      sockets.client.destroy();
      sockets.peer.destroy();
      server.close();
    });

    const stall = (ms: number): void => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };

    it('a run whose answer came in during the stall is recorded ok, not given up to run again', async () => {
      // A handler that waits on the network, as a ping does.
      const answered = new LooseHandler(() => once(sockets.client, 'data'));
      const leaseMs = 1500;
      const h = new Harness({ options: { leaseMs }, handlers: { Answered: answered } });
      h.store.setLink('paused', 'renewLeases');
      const task = h.task({ name: 'Answered' });
      h.runner.enqueue([task]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(h.runner.load.running).toBe(1);

      // The answer reaches the kernel, then the loop stalls past the lease this instance is sure
      // of; after it, the watchdog's timer fires before the answer is read.
      sockets.peer.write('pong');
      stall(leaseMs);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(h.sent(task.token)).toEqual(['ok']);
      expect(h.written(task.id)).toEqual([{ token: task.token, outcome: 'ok', code: 'done' }]);
    });
  });

  describe('handler misbehaviour is contained and recorded', () => {
    /** A misbehaving run, and a probe behind it in the one slot: it starts once the slot frees. */
    async function badThenGood(h: Harness, bad: Claim): Promise<Claim> {
      const good = h.task();
      await h.fire(bad, good);
      return good;
    }

    async function expectGoodRuns(h: Harness, good: Claim): Promise<void> {
      h.probe.byToken(good.token).finish();
      await tick();
      expect(h.written(good.id)).toEqual([{ token: good.token, outcome: 'ok', code: 'done' }]);
    }

    function expectFailed(h: Harness, bad: Claim, error: string): void {
      expect(h.written(bad.id)).toEqual([{ token: bad.token, outcome: 'error', code: 'failed' }]);
      const { id, token } = bad;
      expect(h.outcomeOf(token)).toEqual({ id, token, outcome: 'error', error, attempt: 1 });
      expect(h.store.failureOf(bad.id)).toContain('"outcome":"error"');
      expect(logs.lines.some((line) => line.includes(bad.id) && line.includes('failed'))).toBe(
        true,
      );
    }

    const throwingMessage = {
      get message(): string {
        throw new Error('message getter');
      },
    };
    const throws: { what: string; body: () => unknown; error: string }[] = [
      {
        what: 'throws synchronously',
        body: () => raise(new TypeError('sync boom')),
        error: 'TypeError: sync boom',
      },
      { what: 'throws a string', body: () => raise('plain text'), error: 'plain text' },
      {
        what: 'rejects with a Symbol',
        body: () => Promise.resolve(Symbol('odd')).then(raise),
        error: 'Symbol(odd)',
      },
      {
        what: 'throws an object whose message getter throws',
        body: () => raise(throwingMessage),
        error: '[object Object]',
      },
      {
        what: 'throws an Error whose message getter throws',
        body: () =>
          raise(
            Object.defineProperties(new Error(), Object.getOwnPropertyDescriptors(throwingMessage)),
          ),
        error: 'an error that cannot be turned into text',
      },
      {
        what: 'throws an object that cannot be turned into text',
        body: () => raise(Object.create(null)),
        error: 'an error that cannot be turned into text',
      },
    ];

    it.each(throws)('a handler that $what: failed with its error, slot freed', async (bad) => {
      const h = new Harness({ handlers: { Bad: new LooseHandler(bad.body) } });
      const claim = h.task({ name: 'Bad' });
      const good = await badThenGood(h, claim);
      expectFailed(h, claim, bad.error);
      await expectGoodRuns(h, good);
    });

    it('a payload class that throws fails the run, not the runner', async () => {
      const never = new ProbeHandler();
      const h = new Harness({
        types: { Bad: { handler: never, options: { payload: Unreadable } } },
      });
      const claim = h.task({ name: 'Bad', spec: { payload: { field: 'x' } } });
      const good = await badThenGood(h, claim);
      expectFailed(h, claim, 'Error: payload could not be checked: unreadable payload');
      expect(never.runs).toEqual([]);
      await expectGoodRuns(h, good);
    });

    it('a payload class that throws on a record ingest marked checked fails that run too', async () => {
      const never = new ProbeHandler();
      const h = new Harness({
        types: { Bad: { handler: never, options: { payload: Unreadable } } },
      });
      const claim = h.task({
        name: 'Bad',
        spec: { payload: { field: 'x' }, payloadChecked: true },
      });
      const good = await badThenGood(h, claim);
      expectFailed(
        h,
        claim,
        'Error: payload could not be made an instance of its class: unreadable payload',
      );
      expect(never.runs).toEqual([]);
      await expectGoodRuns(h, good);
    });

    it('a handler that returns something other than a promise has done its work', async () => {
      const h = new Harness({ handlers: { Sync: new LooseHandler(() => 42) } });
      const sync = h.task({ name: 'Sync' });
      const good = await badThenGood(h, sync);
      expect(h.written(sync.id)).toEqual([{ token: sync.token, outcome: 'ok', code: 'done' }]);
      await expectGoodRuns(h, good);
    });

    it('a promise that never settles is timed out at the task’s Timeout, with kind timeout', async () => {
      const seen: unknown[] = [];
      const hangs = new LooseHandler((_task, ctx) => {
        ctx.signal.addEventListener('abort', () => seen.push(ctx.signal.reason));
        return new Promise(() => undefined);
      });
      const h = new Harness({ handlers: { Hangs: hangs } });
      const bad = h.task({ name: 'Hangs', spec: { timeoutMs: 1500 } });
      const good = await badThenGood(h, bad);

      await advanceTo(T0 + 1499);
      expect(seen).toEqual([]);
      expect(h.probe.runs).toHaveLength(0);
      await advanceTo(T0 + 1500);
      expect(seen).toEqual([expect.any(TaskAbortedError)]);
      expect(seen[0]).toMatchObject({ kind: 'timeout', taskId: bad.id });
      expect(h.probe.byToken(good.token).startedAt).toBe(T0 + 1500);
      await tick();
      expect(h.written(bad.id)).toEqual([{ token: bad.token, outcome: 'timeout', code: 'failed' }]);
      expect(h.outcomeOf(bad.token)).toMatchObject({
        attempt: 1,
        error: expect.stringMatching(new RegExp(`^task ${bad.id} .*1500 ms`)) as unknown,
      });
      await expectGoodRuns(h, good);
    });

    it('a handler that ignores its signal holds its slot only until the timeout; settling late changes nothing', async () => {
      let rejectLate: (reason: Error) => void = () => undefined;
      const deaf = new LooseHandler(() => new Promise((_resolve, reject) => (rejectLate = reject)));
      const h = new Harness({ handlers: { Deaf: deaf }, options: { defaultTimeoutMs: 2000 } });
      const bad = h.task({ name: 'Deaf' });
      const good = await badThenGood(h, bad);

      await advanceTo(T0 + 2000);
      expect(h.probe.byToken(good.token).startedAt).toBe(T0 + 2000);
      rejectLate(new Error('gave up at last'));
      await advance(1000);
      expect(h.sent(bad.token)).toEqual(['timeout']);
      await expectGoodRuns(h, good);
    });

    const invalidRecord = (id: string): string =>
      `Error: the stored record of task ${id} is not a valid task`;
    const unrunnable: { what: string; setup: TaskSetup; error: (id: string) => string }[] = [
      {
        what: 'a record that is not JSON',
        setup: { record: '{"id":"x","name":' },
        error: invalidRecord,
      },
      {
        what: 'a record that is JSON but no task',
        setup: { record: '["Probe"]' },
        error: invalidRecord,
      },
      {
        what: 'an unregistered name',
        setup: { name: 'Nobody' },
        error: () => 'Error: no handler is registered for task name "Nobody"',
      },
    ];

    it.each(unrunnable)('$what: failed with the reason, slot freed', async ({ setup, error }) => {
      const h = new Harness();
      const bad = h.task(setup);
      const good = await badThenGood(h, bad);
      expectFailed(h, bad, error(bad.id));
      await expectGoodRuns(h, good);
    });
  });

  describe('the task handed to run()', () => {
    it('checks the payload by its class before the handler runs (a task stored by the CLI was not checked on its way in)', async () => {
      const typed = new ProbeHandler();
      const h = new Harness({
        types: { Greet: { handler: typed, options: { payload: Greeting } } },
      });
      const unchecked = h.task({ name: 'Greet', spec: { payload: { Guest: 42 } } });
      await h.fire(unchecked);

      expect(typed.runs).toEqual([]);
      expect(h.outcomeOf(unchecked.token)).toMatchObject({
        outcome: 'error',
        error: 'Error: payload is invalid: guest must be a string',
      });
    });

    it('does not check again a payload ingest marked checked: the handler gets the instance', async () => {
      const typed = new ProbeHandler();
      const h = new Harness({
        options: { concurrency: 3 },
        types: { Greet: { handler: typed, options: { payload: Greeting } } },
      });
      // The class would refuse this payload now (a class made stricter since ingest checked it).
      const payload = { Guest: 42 };
      const marked = h.task({ name: 'Greet', spec: { payload, payloadChecked: true } });
      const unmarked = h.task({ name: 'Greet', spec: { payload } });
      // Any other value than true is no mark: checked as a record from outside is.
      const odd = h.task({
        name: 'Greet',
        spec: { payload, payloadChecked: 'yes' as unknown as true },
      });
      await h.fire(marked, unmarked, odd);

      expect(typed.runs).toHaveLength(1);
      const [run] = typed.runs;
      expect(run.token).toBe(marked.token);
      expect(run.task.payload).toBeInstanceOf(Greeting);
      expect(run.task.payload).toEqual(Object.assign(new Greeting(), { guest: 42, ...payload }));
      for (const refused of [unmarked, odd]) {
        expect(h.outcomeOf(refused.token)).toMatchObject({
          outcome: 'error',
          error: 'Error: payload is invalid: guest must be a string',
        });
      }
      run.finish();
      await tick();
      expect(h.written(marked.id)).toEqual([{ token: marked.token, outcome: 'ok', code: 'done' }]);
    });

    it("holds an instance of its type's payload class, made from the stored record", async () => {
      const typed = new ProbeHandler();
      const h = new Harness({
        options: { concurrency: 2 },
        types: { Greet: { handler: typed, options: { payload: Greeting } } },
      });
      const spec = { timeoutMs: 4000, payload: { Guest: 'Ada', note: 1 } };
      const greet = h.task({ name: 'Greet', spec });
      const plain = h.task({ spec });
      await h.fire(greet, plain);

      const [run] = typed.runs;
      expect(run.task).toMatchObject({ id: greet.id, name: 'Greet', timeoutMs: 4000 });
      expect(run.task.payload).toBeInstanceOf(Greeting);
      expect(run.task.payload).toEqual(
        Object.assign(new Greeting(), { guest: 'Ada', ...spec.payload }),
      );
      // A type without a payload class gets the record's payload as is: a plain object.
      const probed = h.probe.byToken(plain.token).task.payload;
      expect(Object.getPrototypeOf(probed)).toBe(Object.prototype);
      expect(probed).toEqual(spec.payload);
      run.finish();
      h.probe.byToken(plain.token).finish();
      await tick();
      expect(h.written(greet.id)).toEqual([{ token: greet.token, outcome: 'ok', code: 'done' }]);
    });
  });

  describe('what startRuns answers', () => {
    /** Another instance starts the task and dies; its lease lapses and the task is reclaimed. */
    async function runDiesElsewhere(h: Harness, id: string): Promise<void> {
      await h.store.startRuns(LEASE_MS, [h.store.claim(id, OTHER_INSTANCE)]);
      await advance(LEASE_MS);
      h.store.reclaimExpired();
    }

    it("stalled: not run; recorded as failed (outcome stalled), with the store's count of lost runs", async () => {
      const h = new Harness({ options: { maxStalls: 1 } });
      const id = 'stalls';
      h.store.addTask(id, recordOf(id, 'Probe'), { dueMs: Date.now() });
      await runDiesElsewhere(h, id);
      await runDiesElsewhere(h, id);

      const claim = h.store.claim(id, ME);
      await h.fire(claim);
      await advance(LEASE_MS);
      expect(h.probe.runs).toHaveLength(0);
      expect(h.written(id)).toEqual([{ token: claim.token, outcome: 'stalled', code: 'failed' }]);
      expect(h.store.isFailed(id)).toBe(true);
      expect(h.store.failureOf(id)).toContain('"outcome":"stalled"');
      expect(h.store.failureOf(id)).toContain('lost 2 time(s)');
      expect(logs.lines.some((line) => line.startsWith('error') && line.includes(id))).toBe(true);
    });

    it('stalled, periodic: the schedule moves on to its next occurrence', async () => {
      const h = new Harness({ options: { maxStalls: 1 } });
      const id = 'stalls-periodic';
      const record = recordOf(id, 'Probe', { intervalMs: 1000 });
      h.store.addTask(id, record, { dueMs: T0, period: {} });
      await runDiesElsewhere(h, id);
      await runDiesElsewhere(h, id);

      await h.fire(h.store.claim(id, ME));
      await tick();
      expect(h.probe.runs).toHaveLength(0);
      // Two leases lapsed (2 × LEASE_MS after T0): the next occurrence is the first after now.
      const now = Date.now();
      expect(h.store.dueAt(id) ?? h.store.leaseOf(id)?.dueMs).toBe(
        T0 + Math.ceil((now - T0 + 1) / 1000) * 1000,
      );
      expect(h.store.isFailed(id)).toBe(false);
    });

    it('later: retried at the time Redis gave, not before', async () => {
      const h = new Harness();
      // Claimed ahead of time by the window, fired early: this host's clock ran ahead of Redis's.
      const early = h.task({ dueMs: T0 + 300 });
      await h.fire(early);
      await advanceTo(T0 + 299);
      expect(h.probe.runs).toHaveLength(0);
      await advanceTo(T0 + 300);
      expect(h.probe.byToken(early.token).ctx.scheduledAt).toBe(T0 + 300);
      expect(h.store.callsOf('startRuns')).toHaveLength(2);
    });

    it('stale: skipped, nothing written', async () => {
      const h = new Harness();
      const claim = h.task();
      h.store.takeOver(claim.id);
      await h.fire(claim);
      await advance(LEASE_MS);
      expect(h.probe.runs).toHaveLength(0);
      expect(h.store.callsOf('completeRuns')).toEqual([]);
    });
  });

  describe('outcomes not yet recorded (what a crash would run again)', () => {
    it('no run starts while 100 finished ones beyond one per slot wait for their write', async () => {
      const concurrency = 8;
      let runs = 0;
      const instant = new LooseHandler(() => Promise.resolve(runs++));
      const h = new Harness({ options: { concurrency }, handlers: { Instant: instant } });
      h.store.setLink('paused', 'completeRuns');
      const claims = Array.from({ length: 500 }, () => h.task({ name: 'Instant' }));
      await h.fire(...claims);
      await advance(50);
      expect(runs).toBe(concurrency + 100);
      expect(h.runner.load.running).toBe(0);

      h.store.resume();
      await advance(50);
      const recorded = new Set(h.store.written.map(({ outcome }) => outcome.id));
      expect(recorded.size).toBe(500);
    });
  });

  describe('stopping', () => {
    it('stopAccepting returns the claims not yet confirmed and gives confirmed ones back unstarted', async () => {
      const h = new Harness();
      const [running, confirmed] = [h.task(), h.task()];
      const notDue = h.task({ dueMs: T0 + 10_000 });
      await h.fire(running, confirmed, notDue);
      // Redis stalls: two confirmations go out and wait; the next claim waits its turn.
      h.store.setLink('paused');
      const inFlight = [h.task(), h.task()];
      for (const claim of inFlight) await h.fire(claim);
      const queued = h.task();
      await h.fire(queued);
      expect(h.store.callsOf('startRuns').filter((call) => call.link === 'paused')).toHaveLength(2);

      expect(h.runner.stopAccepting()).toEqual([queued, notDue]);
      h.store.resume();
      await tick();
      for (const claim of [confirmed, ...inFlight]) {
        expect(h.written(claim.id)).toEqual([
          { token: claim.token, outcome: 'unstarted', code: 'released' },
        ]);
        expect(h.store.attemptsOf(claim.id)).toBe(0);
      }
      expect(h.probe.tokens).toEqual([running.token]);
      expect(h.probe.byToken(running.token).abortedAt).toBeUndefined();

      const late = h.task();
      await h.fire(late);
      expect(h.store.callsOf('startRuns').flatMap((call) => call.claims)).not.toContainEqual(late);
    });

    it('drain waits for running handlers within the grace', async () => {
      const h = new Harness({ options: { concurrency: 2 } });
      const [first, second] = [h.task(), h.task()];
      await h.fire(first, second);
      h.runner.stopAccepting();
      let drainedAt: number | undefined;
      const draining = h.runner.drain(3000).then(() => (drainedAt = Date.now()));

      await advanceTo(T0 + 1000);
      h.probe.byToken(first.token).finish();
      await advanceTo(T0 + 2000);
      expect(drainedAt).toBeUndefined();
      h.probe.byToken(second.token).finish();
      await tick();
      await draining;
      // Done when the last handler was, not at the end of the grace.
      expect(drainedAt).toBeLessThanOrEqual(T0 + 2001);
      for (const { id, token } of [first, second]) {
        expect(h.written(id)).toEqual([{ token, outcome: 'ok', code: 'done' }]);
        expect(h.probe.byToken(token).abortedAt).toBeUndefined();
      }
    });

    it('drain aborts what still runs after the grace with kind shutdown, and flushes every outcome', async () => {
      const deaf = new LooseHandler(() => new Promise(() => undefined));
      const h = new Harness({ options: { concurrency: 3 }, handlers: { Deaf: deaf } });
      const [quick, slow, ignores] = [h.task(), h.task(), h.task({ name: 'Deaf' })];
      await h.fire(quick, slow, ignores);
      h.runner.stopAccepting();
      const graceEnds = Date.now() + 3000;
      let drained = false;
      const draining = h.runner.drain(3000).then(() => (drained = true));

      await advanceTo(T0 + 500);
      h.probe.byToken(quick.token).finish();
      await advanceTo(graceEnds - 1);
      expect(drained).toBe(false);
      expect(h.probe.byToken(slow.token).abortedAt).toBeUndefined();
      await advanceTo(graceEnds);
      expect(h.probe.byToken(slow.token).abortKind).toBe('shutdown');
      await tick();
      await draining;
      expect(h.written(quick.id)).toEqual([{ token: quick.token, outcome: 'ok', code: 'done' }]);
      for (const { id, token } of [slow, ignores]) {
        expect(h.written(id)).toEqual([{ token, outcome: 'abandoned', code: 'released' }]);
      }
    });

    it('renews the leases it holds by itself every third of a lease, also while draining', async () => {
      const h = new Harness();
      const long = h.task({ spec: { timeoutMs: 60_000 } });
      await h.fire(long);
      h.runner.stopAccepting();
      const draining = h.runner.drain(4 * LEASE_MS);

      await advance(3 * LEASE_MS);
      const run = h.probe.byToken(long.token);
      expect(run.abortedAt).toBeUndefined();
      expect(h.leaseExpiry(long.id)).toBeGreaterThan(Date.now() + MARGIN_MS);
      const sentAt = [T0, ...h.store.callsOf('renewLeases').map((call) => call.at)];
      const gaps = sentAt.slice(1).map((at, i) => at - sentAt[i]);
      expect(gaps.length).toBeGreaterThanOrEqual(8);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(LEASE_MS / 3);

      run.finish();
      await tick();
      await draining;
      expect(h.written(long.id)).toEqual([{ token: long.token, outcome: 'ok', code: 'done' }]);
    });
  });

  describe('schedules: what runs, what is missed, what expires', () => {
    /** The schedule step the store was told with the task's outcome. */
    function stepOf(h: Harness, id: string) {
      const written = h.store.written.filter(({ outcome }) => outcome.id === id);
      const last = written[written.length - 1]?.outcome;
      return last && 'schedule' in last ? last.schedule : undefined;
    }

    it('CatchUp skip: an occurrence fired after later ones fell due is not run; all of them count as missed', async () => {
      const h = new Harness();
      const late = h.task({ dueMs: T0, spec: { intervalMs: 1000, catchUp: 'skip' } });
      await advanceTo(T0 + 2500);
      await h.fire(late);
      expect(h.probe.runs).toHaveLength(0);
      expect(h.written(late.id)).toEqual([{ token: late.token, outcome: 'missed', code: 'next' }]);
      // T0, T0 + 1000 and T0 + 2000 fell due meanwhile; the schedule goes on at T0 + 3000.
      expect(stepOf(h, late.id)).toEqual({ nextMs: T0 + 3000, missed: 3 });
    });

    it('CatchUp one (the default): the late occurrence runs once; those it collapses count as missed', async () => {
      const h = new Harness();
      const late = h.task({ dueMs: T0, spec: { intervalMs: 1000 } });
      await advanceTo(T0 + 2500);
      await h.fire(late);
      h.probe.byToken(late.token).finish();
      await tick();
      expect(h.written(late.id)).toEqual([{ token: late.token, outcome: 'ok', code: 'next' }]);
      expect(stepOf(h, late.id)).toEqual({ nextMs: T0 + 3000, missed: 2 });
    });

    it('CatchUp all: the occurrences that fell due run one after another', async () => {
      const h = new Harness();
      const late = h.task({ dueMs: T0, spec: { intervalMs: 1000, catchUp: 'all' } });
      await advanceTo(T0 + 2500);
      await h.fire(late);
      h.probe.byToken(late.token).finish();
      await tick();
      expect(stepOf(h, late.id)).toEqual({ nextMs: T0 + 1000, missed: 0 });
    });

    it('Overlap bufferOne: of the occurrences due while it ran, the latest runs next', async () => {
      const h = new Harness();
      const long = h.task({ dueMs: T0, spec: { intervalMs: 1000, overlap: 'bufferOne' } });
      await h.fire(long);
      await advanceTo(T0 + 2500);
      h.probe.byToken(long.token).finish();
      await tick();
      expect(stepOf(h, long.id)).toEqual({ nextMs: T0 + 2000, missed: 1 });
    });

    it('Overlap skip (the default): the schedule goes on after the run, those due meanwhile missed', async () => {
      const h = new Harness();
      const long = h.task({ dueMs: T0, spec: { intervalMs: 1000 } });
      await h.fire(long);
      await advanceTo(T0 + 2500);
      h.probe.byToken(long.token).finish();
      await tick();
      expect(stepOf(h, long.id)).toEqual({ nextMs: T0 + 3000, missed: 2 });
    });

    it('Overlap allowAll: each occurrence runs as a task of its own, beside the ones still running', async () => {
      const h = new Harness({ options: { concurrency: 4 } });
      const schedule = h.task({ dueMs: T0, spec: { intervalMs: 1000, overlap: 'allowAll' } });
      await h.fire(schedule);
      await tick();
      expect(h.probe.runs.map((run) => run.task.id)).toEqual([`${schedule.id}@${T0}`]);
      expect(h.written(schedule.id)).toEqual([
        { token: schedule.token, outcome: 'ok', code: 'next' },
      ]);

      await h.fire(...h.next.splice(0));
      await advanceTo(T0 + 1000);
      await tick();
      // The first still runs: the second occurrence started beside it.
      expect(h.probe.runs.map((run) => run.task.id)).toEqual([
        `${schedule.id}@${T0}`,
        `${schedule.id}@${T0 + 1000}`,
      ]);
      expect(h.probe.runs.map((run) => run.ctx.scheduledAt)).toEqual([T0, T0 + 1000]);
      for (const run of h.probe.runs) run.finish();
      await tick();
      expect(h.written(`${schedule.id}@${T0}`)).toEqual([
        expect.objectContaining({ outcome: 'ok', code: 'done' }),
      ]);
    });

    it('Overlap allowAll: an occurrence handed off as the instance stops goes back to due (regression: left to lapse a lease)', async () => {
      const h = new Harness({ options: { concurrency: 4 } });
      const schedule = h.task({ dueMs: T0, spec: { intervalMs: 1000, overlap: 'allowAll' } });
      // The hand-off is on its way when the stop begins.
      h.store.setLink('paused', 'acceptTasks');
      await h.fire(schedule);
      expect(h.runner.stopAccepting()).toEqual([]);
      h.store.resume();
      const draining = h.runner.drain(1000);
      await advance(1000);
      await draining;

      const occurrence = `${schedule.id}@${T0}`;
      expect(h.probe.runs).toEqual([]);
      expect(h.written(occurrence)).toEqual([
        expect.objectContaining({ outcome: 'unstarted', code: 'released' }),
      ]);
      expect(h.store.leaseOf(occurrence)).toBeUndefined();
      expect(h.store.dueIds()).toContain(occurrence);
    });

    it('Overlap allowAll: an occurrence handed off twice (a crash in between) is stored and run once', async () => {
      const h = new Harness({ options: { concurrency: 4 } });
      const spec: Partial<TaskSpec> = { intervalMs: 1000, overlap: 'allowAll' };
      const schedule = h.task({ dueMs: T0, spec });
      // The schedule's outcome never lands (as if this instance died): its lease lapses, and the
      // occurrence is fired again.
      h.store.setLink('paused', 'completeRuns');
      await h.fire(schedule);
      await tick();
      await advance(LEASE_MS + 1);
      h.store.reclaimExpired();
      await h.fire(h.store.claim(schedule.id, ME));
      await tick();
      expect(h.probe.runs.map((run) => run.task.id)).toEqual([`${schedule.id}@${T0}`]);
    });

    it('MaxLateness: a once task that would start too late is not run and is recorded expired', async () => {
      const h = new Harness();
      const late = h.task({ dueMs: T0, spec: { maxLatenessMs: 1000 } });
      await advanceTo(T0 + 5000);
      await h.fire(late);
      expect(h.probe.runs).toHaveLength(0);
      expect(h.written(late.id)).toEqual([
        { token: late.token, outcome: 'expired', code: 'failed' },
      ]);
      expect(h.store.failureOf(late.id)).toContain('"outcome":"expired"');
      expect(h.store.failureOf(late.id)).toContain('more than its MaxLateness of 1000 ms');
    });

    it('MaxLateness: a task that starts within it runs', async () => {
      const h = new Harness();
      const onTime = h.task({ dueMs: T0, spec: { maxLatenessMs: 1000 } });
      await advanceTo(T0 + 900);
      await h.fire(onTime);
      expect(h.probe.runs).toHaveLength(1);
    });

    it("Cron: the next occurrence is the calendar's, computed here and handed to the store", async () => {
      const h = new Harness();
      const cron = h.task({ dueMs: T0, spec: { cron: '*/2 * * * * *' } });
      await h.fire(cron);
      await advanceTo(T0 + 300);
      h.probe.byToken(cron.token).finish();
      await tick();
      expect(stepOf(h, cron.id)).toEqual({ nextMs: T0 + 2000, missed: 0 });
      expect(h.next).toEqual([expect.objectContaining({ id: cron.id, dueMs: T0 + 2000 })]);
    });

    it('Cron past its EndTime: no next occurrence; the task is done', async () => {
      const h = new Harness();
      const last = h.task({ dueMs: T0, spec: { cron: '*/2 * * * * *', endTimeMs: T0 + 1999 } });
      await h.fire(last);
      h.probe.byToken(last.token).finish();
      await tick();
      expect(stepOf(h, last.id)).toEqual({ missed: 0 });
      expect(h.written(last.id)).toEqual([{ token: last.token, outcome: 'ok', code: 'done' }]);
    });

    it('Jitter: starts at its planned point within [due, due + Jitter), alike for every instance; scheduledAt stays the due time', async () => {
      const h = new Harness();
      const spread = h.task({ dueMs: T0, spec: { intervalMs: 60_000, jitterMs: 10_000 } });
      const plannedMs = T0 + jitterOffsetMs(spread.id, T0, 10_000);
      await h.fire(spread);
      await advanceTo(plannedMs - 1);
      expect(h.probe.runs).toHaveLength(0);
      await advanceTo(plannedMs);
      expect(h.probe.byToken(spread.token).ctx.scheduledAt).toBe(T0);
    });
  });

  describe('next occurrences', () => {
    it('one that completeRuns claimed goes to the listeners, and runs when due', async () => {
      const h = new Harness();
      const first = h.task({ spec: { intervalMs: 1000 } });
      await h.fire(first);
      await advanceTo(T0 + 200);
      h.probe.byToken(first.token).finish();
      await tick();

      const lease = h.store.leaseOf(first.id);
      expect(lease).toMatchObject({ owner: ME, dueMs: T0 + 1000, running: false });
      expect(h.next).toEqual([{ id: first.id, dueMs: T0 + 1000, token: lease?.token }]);
      expect(h.store.callsOf('completeRuns')[0].windowMs).toBe(h.options.windowMs);

      await h.fire(...h.next);
      await advanceTo(T0 + 1000);
      expect(h.probe.runs.map((run) => run.ctx.scheduledAt)).toEqual([T0, T0 + 1000]);
    });

    it('once stopping, none is claimed: the next occurrence waits in due for any instance', async () => {
      const h = new Harness();
      const first = h.task({ spec: { intervalMs: 1000 } });
      await h.fire(first);
      h.runner.stopAccepting();
      h.probe.byToken(first.token).finish();
      await tick();
      expect(h.store.callsOf('completeRuns')[0].windowMs).toBeNull();
      expect(h.next).toEqual([]);
      expect(h.store.dueAt(first.id)).toBe(T0 + 1000);
    });

    it('one claimed just as it stops is given straight back', async () => {
      const h = new Harness();
      const first = h.task({ spec: { intervalMs: 1000 } });
      await h.fire(first);
      h.store.setLink('paused');
      h.probe.byToken(first.token).finish();
      await tick();
      // The outcome went out with the window; its answer comes after the stop.
      h.runner.stopAccepting();
      h.store.resume();
      await advance(100);
      expect(h.next).toEqual([]);
      expect(h.store.leaseOf(first.id)).toBeUndefined();
      expect(h.store.dueAt(first.id)).toBe(T0 + 1000);
    });
  });
});
