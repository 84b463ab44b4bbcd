import { advance, tick, useFakeTime } from '../../test/support/fake-time';
import { InMemoryTaskStore } from '../../test/support/in-memory-task-store';
import { captureNestLogs } from '../../test/support/log-capture';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { RunOutcome, SettledOutcome, StartedRun } from '../domain/claim';
import { LeaseSweeper } from '../recovery/lease-sweeper.service';
import type { CompleteCode } from '../store/task-store';
import { DelayTaskHandler } from '../tasks/delay-task-handler';
import type { TaskContext } from '../tasks/task-context';
import type { TaskRegistry, TaskType } from '../tasks/task-registry';
import { TaskRunner } from '../tasks/task-runner.service';
import {
  EngineEvents,
  type EngineObserver,
  type IngestResult,
  type LeaseLoss,
  type ObservedRun,
  type RunEnd,
  type RunSettlement,
  type SkipReason,
} from './engine-events';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const ME = 'instance-under-test';

useFakeTime(T0);
const logs = captureNestLogs();

/** An observer that writes down everything it is told, one line per event. */
class Recorder implements Required<EngineObserver> {
  readonly seen: string[] = [];
  runStarted(run: ObservedRun, lateMs: number): void {
    this.seen.push(`started ${run.started.id} ${run.name} late ${lateMs}`);
  }
  runSettled(run: ObservedRun, settlement: RunSettlement): void {
    this.seen.push(`settled ${run.started.id} ${settlement}`);
  }
  runEnded(run: ObservedRun, end: RunEnd): void {
    this.seen.push(`ended ${run.started.id} ${end}`);
  }
  ingested(result: IngestResult): void {
    this.seen.push(`ingested ${result}`);
  }
  leasesLost(reason: LeaseLoss, count: number): void {
    this.seen.push(`lost ${count} ${reason}`);
  }
  takenOver(count: number): void {
    this.seen.push(`took over ${count}`);
  }
  occurrencesSkipped(name: string, reason: SkipReason, count: number): void {
    this.seen.push(`skipped ${count} ${name} ${reason}`);
  }
  ended(): string[] {
    return this.seen.filter((line) => line.startsWith('ended'));
  }
}

function observedRun(id: string, token: number, dueMs = T0): ObservedRun {
  const started: StartedRun = { id, token, dueMs, plannedMs: dueMs, record: '{}', attempt: 1 };
  return { started, name: 'Probe' };
}

const failure = (id: string, token: number, outcome: 'error' | 'timeout'): SettledOutcome => ({
  id,
  token,
  outcome,
  error: 'boom',
  attempt: 1,
});

describe('EngineEvents', () => {
  let events: EngineEvents;
  let recorder: Recorder;

  beforeEach(() => {
    events = new EngineEvents({ now: () => Date.now() });
    recorder = new Recorder();
    events.observe(recorder);
  });

  it('costs nothing without an observer: not even a read of the clock', () => {
    const idle = new EngineEvents({
      now: () => {
        throw new Error('the clock was read');
      },
    });
    const run = observedRun('1', 1);
    expect(() => {
      idle.runStarted(run);
      idle.runSettled(run, { id: '1', token: 1, outcome: 'ok' });
      idle.runAborted(run, 'cancelled');
      idle.ingested('stored');
      idle.takenOver(3);
    }).not.toThrow();
  });

  it('tells how late a run starts by its clock, never less than 0', async () => {
    await advance(250);
    events.runStarted(observedRun('late', 1, T0));
    events.runStarted(observedRun('early', 2, Date.now() + 5));
    expect(recorder.seen).toEqual(['started late Probe late 250', 'started early Probe late 0']);
  });

  it('ends a run that succeeded as done at once', () => {
    events.runSettled(observedRun('a', 1), { id: 'a', token: 1, outcome: 'ok' });
    expect(recorder.seen).toEqual(['settled a ok', 'ended a done']);
  });

  it.each<[RunOutcome['outcome'] & ('error' | 'timeout'), CompleteCode, RunEnd]>([
    ['error', 'failed', 'failed'],
    ['error', 'retry', 'retried'],
    ['error', 'next', 'failed'],
    ['error', 'stale', 'failed'],
    ['timeout', 'failed', 'timeout'],
    ['timeout', 'retry', 'retried'],
    ['timeout', 'next', 'timeout'],
  ])('ends a run that settled with %s as the store decides: %s is %s', (outcome, code, end) => {
    events.runSettled(observedRun('a', 7), failure('a', 7, outcome));
    expect(recorder.ended()).toEqual([]);
    events.runsRecorded(
      [{ id: 'b', token: 8, outcome: 'ok' }, failure('a', 7, outcome)],
      [{ code: 'done' }, { code }],
    );
    expect(recorder.ended()).toEqual([`ended a ${end}`]);
    // Recorded once: a batch written again (a retry after an outage) ends nothing twice.
    events.runsRecorded([failure('a', 7, outcome)], [{ code }]);
    expect(recorder.ended()).toHaveLength(1);
  });

  it('ends a run stopped by the runner as cancelled, or else aborted; a lapsing lease is a lease lost', () => {
    events.runAborted(observedRun('c', 1), 'cancelled');
    events.runAborted(observedRun('t', 2), 'taken-over');
    events.runAborted(observedRun('s', 3), 'shutdown');
    events.runAborted(observedRun('x', 4), 'lease-expired');
    expect(recorder.seen).toEqual([
      'ended c cancelled',
      'ended t aborted',
      'ended s aborted',
      'lost 1 expired',
      'ended x aborted',
    ]);
  });

  it('names submissions as operators count them', () => {
    for (const status of [
      'stored',
      'duplicate',
      'replayed',
      'completed',
      'rescheduled',
      'rejected',
    ] as const) {
      events.ingested(status);
    }
    expect(recorder.seen).toEqual([
      'ingested accepted',
      'ingested duplicate',
      'ingested duplicate',
      'ingested duplicate',
      'ingested rescheduled',
      'ingested rejected',
    ]);
  });

  it('tells lost leases by reason, and takeovers only when there were some', () => {
    events.leasesLost([
      { id: 'a', token: 1, reason: 'takenOver' },
      { id: 'b', token: 2, reason: 'rescheduled' },
      { id: 'c', token: 3, reason: 'removed' },
      { id: 'd', token: 4, reason: 'cancelled' },
    ]);
    events.leasesExpired(0);
    events.leasesExpired(2);
    events.takenOver(0);
    events.takenOver(5);
    expect(recorder.seen).toEqual([
      'lost 1 taken-over',
      'lost 1 rescheduled',
      'lost 1 removed',
      'lost 1 cancelled',
      'lost 2 expired',
      'took over 5',
    ]);
  });

  it('keeps telling the others when an observer throws, and logs that once', () => {
    const broken = new EngineEvents({ now: () => Date.now() });
    broken.observe({
      ingested: () => {
        throw new Error('observer bug\nFORGED');
      },
    });
    const after = new Recorder();
    broken.observe(after);
    broken.ingested('stored');
    broken.ingested('stored');
    expect(after.seen).toEqual(['ingested accepted', 'ingested accepted']);
    expect(logs.of('EngineEvents', 'error')).toEqual([
      'An engine observer threw (logged once; its events go on): Error: observer bug\\nFORGED',
    ]);
  });

  it('stops telling an observer once it is removed', () => {
    const other = new Recorder();
    const remove = events.observe(other);
    events.ingested('stored');
    remove();
    events.ingested('stored');
    expect(other.seen).toEqual(['ingested accepted']);
    expect(recorder.seen).toHaveLength(2);
  });
});

/** A handler the spec finishes, fails or leaves running, run by run. */
class Steered extends DelayTaskHandler {
  readonly pending: { finish: () => void; fail: (error: Error) => void }[] = [];

  run(_task: unknown, ctx: TaskContext): Promise<void> {
    return new Promise((finish, fail) => {
      this.pending.push({ finish, fail });
      ctx.signal.addEventListener('abort', () => fail(ctx.signal.reason as Error));
    });
  }
}

describe('the engine tells its events', () => {
  const handler = new Steered();
  let options: DelayTaskOptions;
  let store: InMemoryTaskStore;
  let runner: TaskRunner;
  let recorder: Recorder;

  beforeEach(() => {
    handler.pending.length = 0;
    options = { ...defaultOptions(), instanceId: ME, concurrency: 4 };
    store = new InMemoryTaskStore({ leaseMs: options.leaseMs });
    const types = new Map<string, TaskType>([['Probe', { handler, options: {} }]]);
    const registry = { get: (name: string) => types.get(name) } as TaskRegistry;
    const events = new EngineEvents({ now: () => Date.now() });
    recorder = new Recorder();
    events.observe(recorder);
    runner = new TaskRunner(options, store, registry, events);
  });

  afterEach(async () => {
    runner.stopAccepting();
    await runner.drain(0);
  });

  const claim = (id: string, timeoutMs?: number) =>
    store.addClaimed(
      id,
      JSON.stringify({ id, name: 'Probe', timeoutMs, payload: {} }),
      { dueMs: T0 },
      ME,
    );

  it('from the runner: each run starts (with its lateness), settles and ends once', async () => {
    const [ok, bad, slow, cancelled, lost] = [
      claim('ok'),
      claim('bad'),
      claim('slow', 300),
      claim('cancelled'),
      claim('lost'),
    ];
    await advance(40);
    runner.enqueue([ok, bad, slow, cancelled]);
    await tick();
    expect(recorder.seen.filter((line) => line.startsWith('started'))).toEqual([
      'started ok Probe late 40',
      'started bad Probe late 40',
      'started slow Probe late 40',
      'started cancelled Probe late 40',
    ]);
    handler.pending[0].finish();
    handler.pending[1].fail(new Error('boom'));
    runner.abortRun(cancelled.token, 'cancelled');
    await advance(300);
    // The fifth run starts in the slot the first freed; then another instance takes it over.
    runner.enqueue([lost]);
    await tick();
    store.takeOver('lost');
    await advance(options.leaseMs / 3);
    expect(recorder.ended().sort()).toEqual([
      'ended bad failed',
      'ended cancelled cancelled',
      'ended lost aborted',
      'ended ok done',
      'ended slow timeout',
    ]);
    expect(recorder.seen).toContain('lost 1 taken-over');
    expect(recorder.seen.filter((line) => line.startsWith('settled')).sort()).toEqual([
      'settled bad error',
      'settled cancelled abandoned',
      'settled lost abandoned',
      'settled ok ok',
      'settled slow timeout',
    ]);
  });

  it('from the lease sweeper: claims of a dead instance taken back', async () => {
    const taskStore = new InMemoryTaskStore({ leaseMs: options.leaseMs });
    const events = new EngineEvents();
    const told: number[] = [];
    events.observe({ takenOver: (count) => void told.push(count) });
    const sweeper = new LeaseSweeper(options, taskStore.asTaskStore(), undefined, events);
    taskStore.addClaimed('a', '{"id":"a"}', { dueMs: T0 }, 'dead');
    taskStore.addClaimed('b', '{"id":"b"}', { dueMs: T0 }, 'dead');
    await sweeper.reclaimExpired();
    await advance(options.leaseMs);
    await sweeper.reclaimExpired();
    expect(told).toEqual([2]);
  });
});
