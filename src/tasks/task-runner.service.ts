import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, TASK_STORE } from '../delay-task.constants';
import { OutageLog } from '../store/outage-log';
import type { Claim, RunOutcome, StartedRun, TaskStore } from '../store/task-store';
import { TaskTimeoutError } from './errors/task-timeout.error';
import { FifoQueue } from './fifo-queue';
import { TaskRegistry } from './task-registry';
import type { TaskContext } from './task-context';
import type { TaskSpec } from './task-spec';
import type { TaskOf } from './delay-task-handler';

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

interface RunningTask {
  readonly run: StartedRun;
  /** Aborts the handler's signal and settles the run as failed. */
  readonly cancel: (reason: Error) => void;
}

/**
 * Runs due tasks with bounded concurrency. Due claims are confirmed with Redis in batches
 * (`startRuns`: still ours, not rescheduled), run with an abort signal that fires at the timeout,
 * and their outcomes are written back in batches (`completeRuns`): no Redis round trip per task.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);
  private readonly startOutage = new OutageLog(this.logger, 'confirm due tasks with Redis');
  private readonly completeOutage = new OutageLog(this.logger, 'record task outcomes in Redis');
  private readonly due = new FifoQueue<Claim>();
  private readonly started = new FifoQueue<StartedRun>();
  private readonly running = new Map<string, RunningTask>();
  private outcomes: RunOutcome[] = [];
  private confirming = 0;
  private completing: Promise<void> | undefined;
  private accepting = true;
  private idleWaiters: (() => void)[] = [];
  private readonly confirmBatch: number;

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
  ) {
    this.confirmBatch = Math.min(BATCH, Math.max(64, options.concurrency * CONFIRMED_PER_SLOT));
  }

  enqueue(claims: readonly Claim[]): void {
    if (!this.accepting) return;
    this.due.push(...claims);
    this.pump();
  }

  /**
   * Extends the leases of everything confirmed or running here. A confirmed run whose lease was
   * lost meanwhile (taken over after a stall, or rescheduled) is dropped before it starts here.
   */
  async renewLeases(): Promise<void> {
    const claims = [...[...this.running.values()].map(({ run }) => run), ...this.started.values()];
    const lost = new Set<string>();
    for (let i = 0; i < claims.length; i += BATCH) {
      const ids = await this.store.renewLeases(this.options.leaseMs, claims.slice(i, i + BATCH));
      for (const id of ids) lost.add(id);
    }
    if (lost.size === 0) return;
    const dropped = this.started.remove((run) => lost.has(run.id));
    const running = lost.size - dropped;
    this.logger.warn(
      `Lost the lease of ${lost.size} task(s) (taken over or rescheduled): ` +
        `${dropped} not started here are left to their new owner` +
        (running > 0 ? `, ${running} still running here may run twice` : ''),
    );
  }

  /** Stops taking work and returns the claims not yet started, so they can be given back at once. */
  stopAccepting(): Claim[] {
    this.accepting = false;
    return [...this.due.drain(), ...this.started.drain()];
  }

  /** Waits up to `graceMs` for running handlers, aborts the rest, and flushes every outcome. */
  async drain(graceMs: number): Promise<void> {
    if (this.running.size > 0) {
      const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
      const grace = new Promise<boolean>((resolve) => setTimeout(resolve, graceMs, false).unref());
      if (!(await Promise.race([idle, grace]))) {
        this.logger.warn(
          `${this.running.size} task(s) still running after ${graceMs} ms; aborting`,
        );
        for (const { cancel } of this.running.values()) cancel(new Error('service shutting down'));
      }
    }
    await this.flushOutcomes();
  }

  private pump(): void {
    while (this.running.size < this.options.concurrency) {
      const run = this.started.shift();
      if (!run) break;
      this.launch(run);
    }
    if (
      this.confirming < CONFIRMS_IN_FLIGHT &&
      this.due.length > 0 &&
      this.started.length < this.confirmBatch / 2
    ) {
      void this.confirmNextBatch();
    }
  }

  private async confirmNextBatch(): Promise<void> {
    this.confirming++;
    const batch = this.due.take(this.confirmBatch);
    try {
      const { nowMs, started, stale, early } = await this.store.startRuns(
        this.options.leaseMs,
        batch,
      );
      if (stale.length > 0) {
        this.logger.debug(`${stale.length} claim(s) were rescheduled or taken over; skipped`);
      }
      if (early.length > 0) this.retryWhenDue(early, nowMs);
      this.startOutage.succeeded();
      if (this.accepting) this.started.push(...started);
      // Confirmed while shutting down: hand them straight back rather than strand them.
      else await this.store.releaseClaims(started);
    } catch (error) {
      this.startOutage.failed(error);
      // Once stopping, unconfirmed claims are left to lapse: no retry loop during shutdown.
      if (this.accepting) this.due.unshiftAll(batch);
      await delay(RETRY_DELAY_MS);
    } finally {
      this.confirming--;
    }
    this.pump();
  }

  /**
   * Claims that fired before their due time by the Redis clock (this host's clock stepped ahead
   * since it was last aligned) wait here for their due time; Redis says when it has come.
   */
  private retryWhenDue(early: Claim[], redisNowMs: number): void {
    const waitMs = Math.max(...early.map((claim) => claim.dueMs)) - redisNowMs;
    this.logger.warn(
      `${early.length} task(s) fired early by the Redis clock; waiting ${waitMs} ms`,
    );
    setTimeout(() => this.enqueue(early), Math.max(1, waitMs));
  }

  /**
   * Runs one task. The timeout settles the run itself (the slot is freed even when a handler
   * ignores its signal); the AbortController is only made when a handler reads `signal` or the
   * run has to be aborted, since most runs need neither and a burst makes many runs.
   */
  private launch(run: StartedRun): void {
    const spec = parseRecord(run.record);
    const timeoutMs = spec?.timeoutMs ?? this.options.defaultTimeoutMs;
    let controller: AbortController | undefined;
    let settled = false;
    const settle = (outcome: RunOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.running.delete(run.id);
      this.recordOutcome(outcome);
      if (this.running.size === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      this.pump();
    };
    const fail = (outcome: 'error' | 'timeout', error: unknown): void => {
      if (settled) return;
      const message = describe(error);
      const verb = outcome === 'timeout' ? 'timed out' : 'failed';
      this.logger.warn(`Task ${run.id} (${spec?.name ?? '?'}) ${verb}: ${message}`);
      settle({ id: run.id, token: run.token, outcome, error: message });
    };
    const cancel = (outcome: 'error' | 'timeout', reason: Error): void => {
      (controller ??= new AbortController()).abort(reason);
      fail(outcome, reason);
    };
    const timer = setTimeout(
      () => cancel('timeout', new TaskTimeoutError(run.id, timeoutMs)),
      timeoutMs,
    );
    this.running.set(run.id, { run, cancel: (reason) => cancel('error', reason) });
    const context: TaskContext = {
      get signal() {
        return (controller ??= new AbortController()).signal;
      },
      scheduledAt: run.dueMs,
      attempt: run.attempt,
      fencingToken: run.token,
      logger: this.logger,
    };
    let result: Promise<void>;
    try {
      result = this.invoke(run, spec, context);
    } catch (error) {
      fail('error', error);
      return;
    }
    result.then(
      () => settle({ id: run.id, token: run.token, outcome: 'ok' }),
      (error: unknown) => fail('error', error),
    );
  }

  private invoke(run: StartedRun, spec: TaskSpec | undefined, context: TaskContext): Promise<void> {
    if (!spec) throw new Error(`stored record of task ${run.id} is not valid JSON`);
    const handler = this.registry.get(spec.name);
    if (!handler) throw new Error(`no handler is registered for task name "${spec.name}"`);
    return handler.run(spec as TaskOf<Record<string, unknown>>, context);
  }

  private recordOutcome(outcome: RunOutcome): void {
    this.outcomes.push(outcome);
    if (!this.completing) this.completing = this.flushSoon();
  }

  private async flushSoon(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.flushOutcomes();
    this.completing = undefined;
    if (this.outcomes.length > 0) this.completing = this.flushSoon();
  }

  private async flushOutcomes(): Promise<void> {
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, BATCH);
      try {
        await this.store.completeRuns(batch);
        this.completeOutage.succeeded();
      } catch (error) {
        this.completeOutage.failed(error);
        this.outcomes.unshift(...batch);
        await delay(RETRY_DELAY_MS);
        if (!this.accepting && this.outcomes.length > 0) return;
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseRecord(record: string): TaskSpec | undefined {
  try {
    return JSON.parse(record) as TaskSpec;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
