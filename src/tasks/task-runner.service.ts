import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, TASK_STORE } from '../delay-task.constants';
import { EngineEvents } from '../events/engine-events';
import { printable } from '../logging/printable';
import { taskLine, type TaskLogLine, type TaskRef } from '../logging/task-log-line';
import { OutageLog } from '../logging/outage-log';
import type { LostLease, TaskStore } from '../store/task-store';
import type { Claim, RunOutcome, SettledOutcome, StartedRun } from '../domain/claim';
import { checkPayload, payloadOfCheckedRecord } from './payload-check';
import { TaskAbortedError, type AbortKind } from './errors/task-aborted.error';
import { FifoQueue } from './fifo-queue';
import { OutcomeWriter } from './outcome-writer';
import { decodeRecord } from '../domain/task-record';
import { ScheduleKeeper } from './schedule-keeper';
import { retryPolicy } from './retry-policy';
import { Run } from './run';
import { TaskRegistry } from './task-registry';
import { ThroughputMeter } from './throughput-meter';

/** Claims handed to Redis per script call, at most. */
const BATCH = 1000;
/**
 * Confirmed runs kept ready per concurrency slot: enough that slots never wait for a round trip,
 * few enough that confirmed runs start well within their lease.
 */
const CONFIRMED_PER_SLOT = 20;
/** Two confirmations in flight keep Redis busy while the previous batch's reply is handled. */
const CONFIRMS_IN_FLIGHT = 2;
const RETRY_DELAY_MS = 200;
/**
 * Finished runs whose outcome is not yet in Redis, at most, beyond one per slot: a crash re-runs
 * them, so no run starts while more wait for their write.
 */
const MAX_UNRECORDED = 100;

/** The parts of the store a runner uses (an in-memory fake stands in for it in unit specs). */
export type RunStore = Pick<
  TaskStore,
  'startRuns' | 'renewLeases' | 'completeRuns' | 'acceptTasks'
>;

/** A run confirmed by Redis, waiting for a free slot. */
interface ConfirmedRun {
  readonly started: StartedRun;
  leaseUntil: number;
}

const ABORT_KIND: Readonly<Record<LostLease['reason'], AbortKind>> = {
  takenOver: 'taken-over',
  rescheduled: 'rescheduled',
  removed: 'removed',
  cancelled: 'cancelled',
};

/**
 * Runs due tasks with bounded concurrency. Due claims are confirmed with Redis in batches
 * (`startRuns`: still ours, due by the Redis clock), run with an abort signal, and their outcomes
 * are written back in batches. A run is named by its fencing token, so two runs of one task (a
 * reschedule, a takeover) never stand for each other.
 *
 * It keeps the leases of what it holds: renewed every third of a lease; a run whose lease is lost
 * (reclaimed, rescheduled, removed) or could not be renewed in time (Redis unreachable, the event
 * loop stalled) has its signal aborted and is given up before another instance can take it over.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);
  private readonly startOutage = new OutageLog(this.logger, 'confirm due tasks with Redis');
  private readonly renewOutage = new OutageLog(this.logger, 'renew the leases of running tasks');
  private readonly due = new FifoQueue<Claim>();
  private readonly confirmed = new FifoQueue<ConfirmedRun>();
  private readonly running = new Map<number, Run>();
  private readonly waiting = new Map<NodeJS.Timeout, Claim[]>();
  private readonly outcomes: OutcomeWriter;
  private readonly schedules: ScheduleKeeper;
  private readonly nextListeners: ((claims: Claim[]) => void)[] = [];
  private readonly roomListeners: (() => void)[] = [];
  private readonly meter = new ThroughputMeter(performance.now());
  private readonly handlerLoggers = new Map<string, Logger>();
  private readonly confirmBatch: number;
  private readonly firstBatch: number;
  /** Stop a run this long before its lease may lapse: time for the handler to see its signal. */
  private readonly leaseMarginMs: number;
  private readonly renewEveryMs: number;
  private leaseTimers: NodeJS.Timeout[] = [];
  private confirming = 0;
  /** Redis time less this host's, as the last confirmation answered: due times are Redis times. */
  private redisOffsetMs = 0;
  private renewing = false;
  private accepting = true;
  private idleWaiters: (() => void)[] = [];

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: RunStore,
    private readonly registry: TaskRegistry,
    @Optional() private readonly events: EngineEvents = new EngineEvents(),
  ) {
    this.confirmBatch = Math.min(BATCH, Math.max(64, options.concurrency * CONFIRMED_PER_SLOT));
    this.firstBatch = Math.min(this.confirmBatch, Math.max(16, options.concurrency * 2));
    this.leaseMarginMs = Math.min(1000, Math.floor(options.leaseMs / 5));
    this.renewEveryMs = Math.floor(options.leaseMs / 3);
    this.outcomes = new OutcomeWriter(
      this.logger,
      options.windowMs,
      (windowMs, outcomes) =>
        this.store.completeRuns(options.instanceId, windowMs, options.leaseMs, outcomes),
      (claims) => this.nextOccurrences(claims),
      (outcomes, results) => {
        this.events.runsRecorded(outcomes, results);
        this.pump();
      },
      // Half of what may wait unrecorded: one batch is recorded while the next is gathered.
      Math.ceil((options.concurrency + MAX_UNRECORDED) / 2),
    );
    this.schedules = new ScheduleKeeper({
      options,
      store,
      events: this.events,
      logger: this.logger,
      outage: this.startOutage,
      write: (outcome) => this.outcomes.write(outcome),
      enqueue: (claims) => this.enqueue(claims),
      giveBack: (started) => this.giveBack(started),
    });
  }

  /** Next occurrences of periodic tasks, claimed for this instance as their runs completed. */
  onNextOccurrences(listener: (claims: Claim[]) => void): void {
    this.nextListeners.push(listener);
  }

  /** Told whenever a run ends, so that a refill can take more once this instance has room. */
  onRoom(listener: () => void): void {
    this.roomListeners.push(listener);
  }

  enqueue(claims: readonly Claim[]): void {
    // Claimed for this instance as it stops (an allowAll occurrence handed off meanwhile; the
    // wheel driver gives back its own): fresh claims, given straight back as next occurrences are.
    if (!this.accepting) return this.nextOccurrences([...claims]);
    this.due.push(...claims);
    this.keepLeases();
    this.pump();
  }

  /**
   * Claims this instance can start within half a lease at the rate it has been finishing runs
   * (the rest is better left to other instances); never less than one confirmation batch, so that
   * an instance with no measured rate yet still takes work in bulk.
   */
  get capacity(): number {
    const perLease = (this.meter.perSecond(performance.now()) * this.options.leaseMs) / 1000;
    return Math.max(this.confirmBatch, Math.floor(perLease / 2));
  }

  /**
   * Extends the leases of everything confirmed or running here, and of due claims that have
   * waited long enough for their lease to run short; a run whose lease was lost is aborted with
   * the reason, a claim not yet started is dropped. Runs by itself every third of a lease while
   * anything is held.
   */
  async renewLeases(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    try {
      const held: Claim[] = [...this.running.values()].map((run) => run.started);
      held.push(...this.confirmed.values().map(({ started }) => started));
      held.push(...this.waitingLong());
      for (let i = 0; i < held.length; i += BATCH) {
        const batch = held.slice(i, i + BATCH);
        const sentAt = performance.now();
        const lost = await this.store.renewLeases(this.options.leaseMs, batch);
        this.renewOutage.succeeded();
        this.renewed(batch, lost, this.leaseSureUntil(sentAt));
      }
    } catch (error) {
      this.renewOutage.failed(error);
    } finally {
      this.renewing = false;
    }
  }

  /** Aborts the run with this fencing token, if it runs here (a cancel heard from another instance). */
  abortRun(token: number, kind: AbortKind): void {
    const run = this.running.get(token);
    if (run) this.abort(run, kind);
  }

  /** What this instance holds now: runs in progress, and claims leased to it, running ones included. */
  get load(): { running: number; claimed: number } {
    let waiting = 0;
    for (const claims of this.waiting.values()) waiting += claims.length;
    const claimed = this.due.length + waiting + this.confirmed.length + this.running.size;
    return { running: this.running.size, claimed };
  }

  /** Stops taking work and returns the claims not yet started, so they can be given back at once. */
  stopAccepting(): Claim[] {
    this.accepting = false;
    this.outcomes.stop();
    const waiting = [...this.waiting.entries()].flatMap(([timer, claims]) => {
      clearTimeout(timer);
      return claims;
    });
    this.waiting.clear();
    for (const { started } of this.confirmed.drain()) this.giveBack(started);
    return [...this.due.drain(), ...waiting];
  }

  /** Waits up to `graceMs` for running handlers, aborts the rest, and flushes every outcome. */
  async drain(graceMs: number): Promise<void> {
    if (this.running.size > 0) {
      const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
      const grace = new Promise<boolean>((resolve) => setTimeout(resolve, graceMs, false).unref());
      if (!(await Promise.race([idle, grace]))) {
        this.logger.warn(
          `${this.running.size} task(s) still running after ${graceMs} ms; aborting them ` +
            '(another instance will run them again)',
        );
        this.abortAll('shutdown');
      }
    }
    this.stopKeepingLeases();
    await this.schedules.drain();
    await this.outcomes.flush();
  }

  /**
   * Due claims whose lease may lapse before the next renewal: a claim's lease runs at least a
   * lease past its due time, so those due more than a third of a lease ago; and every claim Redis
   * would not start yet.
   */
  private waitingLong(): Claim[] {
    const cutoff = Date.now() + this.redisOffsetMs - this.options.leaseMs / 3;
    const long = this.due.values().filter(({ dueMs }) => dueMs <= cutoff);
    for (const claims of this.waiting.values()) long.push(...claims);
    return long;
  }

  private renewed(batch: readonly Claim[], lost: readonly LostLease[], leaseUntil: number) {
    const lostReason = new Map(lost.map((lease) => [lease.token, lease.reason]));
    for (const started of batch) {
      const reason = lostReason.get(started.token);
      const run = this.running.get(started.token);
      if (reason !== undefined) {
        if (run) this.abort(run, ABORT_KIND[reason]);
      } else if (run) {
        run.leaseUntil = Math.max(run.leaseUntil, leaseUntil);
      }
    }
    let dropped = this.confirmed.remove(({ started }) => lostReason.has(started.token));
    if (lost.length > 0) dropped += this.dropWaiting((claim) => lostReason.has(claim.token));
    // Only what this renewal carried: a run confirmed while it was on its way was not renewed.
    const renewed = new Set(batch.map(({ token }) => token));
    for (const entry of this.confirmed.values()) {
      if (renewed.has(entry.started.token)) {
        entry.leaseUntil = Math.max(entry.leaseUntil, leaseUntil);
      }
    }
    if (lost.length > 0) {
      this.events.leasesLost(lost);
      this.logger.warn(
        `Lost the lease of ${lost.length} task(s) (taken over, rescheduled or removed): ` +
          `${lost.length - dropped} running here aborted, ${dropped} not started here dropped`,
      );
    }
  }

  /** Drops claims not yet confirmed that match; returns how many. */
  private dropWaiting(matches: (claim: Claim) => boolean): number {
    let dropped = this.due.remove(matches);
    for (const [timer, claims] of this.waiting) {
      const kept = claims.filter((claim) => !matches(claim));
      dropped += claims.length - kept.length;
      if (kept.length > 0) this.waiting.set(timer, kept);
      else {
        clearTimeout(timer);
        this.waiting.delete(timer);
      }
    }
    return dropped;
  }

  /**
   * Looks for leases that may lapse before they can be renewed, after the I/O of this turn: when
   * the event loop stalled, timers fire before the I/O that waited behind them, and a renewal's
   * answer or a handler's completion may be in it (a finished run given up would run again).
   */
  private checkLeases = (): void => void setImmediate(this.giveUpLapsing);

  /** Aborts runs, and gives up confirmed ones, whose lease may lapse before it can be renewed. */
  private giveUpLapsing = (): void => {
    const now = performance.now();
    for (const run of this.running.values()) {
      if (run.leaseUntil <= now) this.abort(run, 'lease-expired');
    }
    const expired = this.confirmed.values().filter(({ leaseUntil }) => leaseUntil <= now);
    if (expired.length === 0) return;
    this.confirmed.remove(({ leaseUntil }) => leaseUntil <= now);
    for (const { started } of expired) this.giveBack(started);
    this.events.leasesExpired(expired.length);
    this.logger.warn(
      `Gave up ${expired.length} confirmed task(s) whose lease could not be renewed in time`,
    );
  };

  private nextOccurrences(claims: Claim[]): void {
    // Claimed while stopping: given straight back, as nothing here will fire them.
    if (this.accepting) this.nextListeners.forEach((listener) => listener(claims));
    else
      for (const { id, token } of claims) this.outcomes.write({ id, token, outcome: 'unstarted' });
  }

  /** A confirmed run that never started here goes back to due, its start uncounted. */
  private giveBack(started: StartedRun): void {
    this.outcomes.write({ id: started.id, token: started.token, outcome: 'unstarted' });
  }

  private abortAll(kind: AbortKind): void {
    for (const run of [...this.running.values()]) this.abort(run, kind);
  }

  /** Stops a run: its signal fires with `kind`, and it settles at once. */
  private abort(run: Run, kind: AbortKind): void {
    this.events.runAborted(run, kind);
    run.abort(new TaskAbortedError(run.started.id, kind));
  }

  private pump(): void {
    const { concurrency } = this.options;
    while (
      this.running.size < concurrency &&
      this.running.size + this.outcomes.unrecorded < concurrency + MAX_UNRECORDED
    ) {
      const next = this.confirmed.shift();
      if (!next) break;
      // Its lease may have lapsed while it waited (a stall): not to be started here any more.
      if (next.leaseUntil <= performance.now()) this.giveBack(next.started);
      else this.launch(next);
    }
    if (
      this.confirming < CONFIRMS_IN_FLIGHT &&
      this.due.length > 0 &&
      this.confirmed.length < this.confirmBatch / 2
    ) {
      void this.confirmNextBatch();
    }
  }

  private async confirmNextBatch(): Promise<void> {
    this.confirming++;
    // Slots waiting for work get a small batch first: its runs start after a short script, not
    // after the confirmation of a whole burst.
    const starving = this.confirmed.length < this.options.concurrency;
    const batch = this.due.take(starving ? this.firstBatch : this.confirmBatch);
    const sentAt = performance.now();
    try {
      const result = await this.store.startRuns(this.options.leaseMs, batch);
      this.redisOffsetMs = result.nowMs - Date.now();
      this.startOutage.succeeded();
      if (result.stale.length > 0) {
        this.logger.debug(
          `${result.stale.length} claim(s) were rescheduled or taken over; skipped`,
        );
      }
      for (const stalled of result.stalled) this.schedules.endStalled(stalled, result.nowMs);
      this.retryLater(result.later, result.nowMs);
      const { started, leaseUntil } = await this.sureOfLease(result.started, sentAt);
      for (const run of started) {
        if (this.accepting) this.confirmed.push({ started: run, leaseUntil });
        // Confirmed while shutting down: given straight back rather than stranded.
        else this.giveBack(run);
      }
    } catch (error) {
      this.startOutage.failed(error);
      // Once stopping, unconfirmed claims are left to lapse: no retry loop during shutdown.
      if (this.accepting) this.due.unshiftAll(batch);
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    } finally {
      this.confirming--;
    }
    this.pump();
    this.stopKeepingLeases();
  }

  /**
   * Until when (performance.now) a lease asked for at `askedAt` is surely held, less the margin a
   * handler needs to see its signal: Redis may have set it as early as when it was asked for.
   */
  private leaseSureUntil(askedAt: number): number {
    return askedAt + this.options.leaseMs - this.leaseMarginMs;
  }

  /**
   * Started runs with a lease this instance is sure of for long enough to start them. A lease
   * counts from when its confirmation was asked for, as Redis may have started the runs then; an
   * answer held up by an outage (Redis started them only when it was back) leaves less than a
   * renewal period of it, and the watchdog would give such runs up mid-run, to run again
   * elsewhere: they are renewed first, in one call. Those whose renewal fails are given back.
   */
  private async sureOfLease(
    started: StartedRun[],
    askedAt: number,
  ): Promise<{ started: StartedRun[]; leaseUntil: number }> {
    const askedUntil = this.leaseSureUntil(askedAt);
    if (started.length === 0 || askedUntil - performance.now() >= this.renewEveryMs) {
      return { started, leaseUntil: askedUntil };
    }
    const renewedAt = performance.now();
    try {
      const lost = new Set(
        (await this.store.renewLeases(this.options.leaseMs, started)).map(({ token }) => token),
      );
      this.renewOutage.succeeded();
      return {
        started: started.filter(({ token }) => !lost.has(token)),
        leaseUntil: this.leaseSureUntil(renewedAt),
      };
    } catch (error) {
      this.renewOutage.failed(error);
      for (const run of started) this.giveBack(run);
      return { started: [], leaseUntil: 0 };
    }
  }

  /**
   * Claims Redis would not start yet wait here until it will: not due by the Redis clock (this
   * host's clock stepped ahead since it was last aligned), or a run of the task's old content may
   * still be running (it was rescheduled while running).
   */
  private retryLater(later: readonly { claim: Claim; atMs: number }[], redisNowMs: number): void {
    const byTime = new Map<number, Claim[]>();
    for (const { claim, atMs } of later) {
      const claims = byTime.get(atMs) ?? [];
      claims.push(claim);
      byTime.set(atMs, claims);
    }
    for (const [atMs, claims] of byTime) {
      const timer = setTimeout(
        () => {
          this.waiting.delete(timer);
          this.enqueue(claims);
        },
        Math.max(1, atMs - redisNowMs),
      );
      this.waiting.set(timer, claims);
    }
  }

  private launch({ started, leaseUntil }: ConfirmedRun): void {
    const spec = decodeRecord(started.record);
    const startMs = this.redisNow();
    if (spec && this.schedules.tookOver(started, spec, startMs)) return;
    const run = new Run(started, spec, startMs, leaseUntil, this.settled);
    this.running.set(run.token, run);
    this.keepLeases();
    const type = spec && this.registry.get(spec.name);
    const timeoutMs = spec?.timeoutMs ?? this.options.defaultTimeoutMs;
    this.events.runStarted(run);
    run.start(timeoutMs, this.handlerLogger(run.name), (context) => {
      if (!spec) throw new Error(`the stored record of task ${started.id} is not a valid task`);
      if (!type) throw new Error(`no handler is registered for task name "${spec.name}"`);
      const payloadClass = type.options.payload;
      if (!payloadClass) return type.handler.run(spec, context);
      // Made an instance here, inside the run, so that a class that throws fails this run only.
      // A record ingest marked was checked by its class on arrival: not checked again. One stored
      // by other means (the CLI, `DelayTaskClient.send`) was not checked on its way in: it is now.
      const checked =
        spec.payloadChecked === true
          ? payloadOfCheckedRecord(payloadClass, spec.payload)
          : checkPayload(payloadClass, spec.payload);
      if ('refused' in checked) throw new Error(checked.refused);
      return type.handler.run({ ...spec, payload: checked.instance }, context);
    });
  }

  /** Redis time now, as this host estimates it from the last confirmation's answer. */
  private redisNow(): number {
    return Date.now() + this.redisOffsetMs;
  }

  private settled = (run: Run, outcome: SettledOutcome, error?: string): void => {
    this.running.delete(run.token);
    this.meter.finished(performance.now());
    this.events.runSettled(run, outcome);
    if (error !== undefined) this.logSettled(run, outcome, error);
    const withRetry = this.withRetry(run, outcome);
    this.outcomes.write(this.schedules.withSchedule(run, withRetry, this.redisNow()));
    if (this.running.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
    this.stopKeepingLeases();
    this.pump();
    for (const listener of this.roomListeners) listener();
  };

  /** A failure carries whether and when its occurrence may be tried again (the store decides). */
  private withRetry(run: Run, outcome: RunOutcome): RunOutcome {
    if ((outcome.outcome !== 'error' && outcome.outcome !== 'timeout') || !run.spec) return outcome;
    const type = this.registry.get(run.spec.name);
    const retry = retryPolicy(run.spec, type?.options ?? {}, run.started.attempt);
    return retry ? { ...outcome, retry } : outcome;
  }

  /** Each task name logs under its own context, so that a handler's lines say whose they are. */
  private handlerLogger(name: string): Logger {
    let logger = this.handlerLoggers.get(name);
    if (!logger) {
      logger = new Logger(printable(name, 100));
      this.handlerLoggers.set(name, logger);
    }
    return logger;
  }

  private logSettled(run: Run, outcome: RunOutcome, error: string): void {
    const how =
      outcome.outcome === 'abandoned'
        ? 'given up'
        : outcome.outcome === 'timeout'
          ? 'timed out'
          : 'failed';
    const { id, token, attempt } = run.started;
    this.logger.warn(
      this.taskLine({ id, token, attempt, name: run.name }, `${how}: ${printable(error)}`),
    );
  }

  /** A line about one task, with its fields and this instance (JSON logs carry them apart). */
  private taskLine(task: TaskRef, what: string): TaskLogLine {
    return taskLine(task, this.options.instanceId, what);
  }

  /** Renews held leases every third of a lease, and gives up runs whose lease may lapse. */
  private keepLeases(): void {
    if (this.leaseTimers.length > 0) return;
    const renew = setInterval(() => void this.renewLeases(), this.renewEveryMs);
    const watch = setInterval(this.checkLeases, Math.max(50, this.leaseMarginMs / 2));
    this.leaseTimers = [renew, watch];
    for (const timer of this.leaseTimers) timer.unref();
  }

  private stopKeepingLeases(): void {
    if (this.running.size > 0 || this.confirmed.length > 0 || this.due.length > 0) return;
    if (this.waiting.size > 0) return;
    this.leaseTimers.forEach(clearInterval);
    this.leaseTimers = [];
  }
}
