import { Logger } from '@nestjs/common';
import type { AbortKind, RunOutcome, SettledOutcome, StartedRun } from '../domain/claim';
import { type Clock, systemClock } from '../domain/clock';
import type { AcceptStatus, CompleteResult, LostLease } from '../store/task-store';
import { errorWithCauses } from '../logging/error-causes';
import { printable } from '../logging/printable';
import { RunLog } from './run-log';

/** How a run ended, as an operator counts runs. */
export type RunEnd = 'done' | 'failed' | 'timeout' | 'retried' | 'cancelled' | 'aborted';
/** What became of a submission (a stale replay and a completed one read as duplicates). */
export type IngestResult = 'accepted' | 'duplicate' | 'rescheduled' | 'rejected';
/** Why this instance lost a lease: Redis said so at renewal, or it could not renew in time. */
export type LeaseLoss = 'taken-over' | 'rescheduled' | 'removed' | 'cancelled' | 'expired';
/** How a handler's run settled here (its end, for a failure, is decided by the store). */
export type RunSettlement = SettledOutcome['outcome'];
/** Why occurrences did not run: their catch-up or overlap rule skipped them, or MaxLateness. */
export type SkipReason = 'missed' | 'expired';

/** A run as observers see it: the run the store confirmed, and its task's name. */
export interface ObservedRun {
  readonly started: Readonly<StartedRun>;
  readonly name: string;
}

/**
 * What the engine tells whoever watches it (metrics, the debug run log, an app's own tracing).
 * Every method is optional, and is called synchronously on the engine's path: keep it to a few
 * counter updates. A method that throws is logged once and otherwise ignored.
 */
export interface EngineObserver {
  /** A handler starts, `lateMs` after its due time by the Redis clock. */
  runStarted?(run: ObservedRun, lateMs: number): void;
  /** A handler's run settled here; a failure's end is known only once the store has recorded it. */
  runSettled?(run: ObservedRun, settlement: RunSettlement): void;
  /** How a run ended, once per run that started. */
  runEnded?(run: ObservedRun, end: RunEnd): void;
  /** A submission was stored, or rejected. */
  ingested?(result: IngestResult): void;
  /** `count` leases this instance held are lost. */
  leasesLost?(reason: LeaseLoss, count: number): void;
  /** `count` lapsed leases of other instances were taken back to be run again. */
  takenOver?(count: number): void;
  /** `count` occurrences of task `name` will not run, for `reason`. */
  occurrencesSkipped?(name: string, reason: SkipReason, count: number): void;
}

const INGEST_RESULT: Readonly<Record<AcceptStatus | 'rejected', IngestResult>> = {
  stored: 'accepted',
  duplicate: 'duplicate',
  replayed: 'duplicate',
  completed: 'duplicate',
  rescheduled: 'rescheduled',
  rejected: 'rejected',
};

const LEASE_LOSS: Readonly<Record<LostLease['reason'], LeaseLoss>> = {
  takenOver: 'taken-over',
  rescheduled: 'rescheduled',
  removed: 'removed',
  cancelled: 'cancelled',
};

/**
 * The engine's events, told to the observers registered with `observe`. The engine owns it and
 * calls it where things happen (runner, ingest, sweeper); with no observer every call returns at
 * once, so an app that watches nothing pays nothing.
 */
export class EngineEvents {
  private readonly logger = new Logger(EngineEvents.name);
  private readonly observers: EngineObserver[] = [];
  /** Failed runs waiting for the store to say whether they are retried, by fencing token. */
  private readonly awaitingStore = new Map<number, ObservedRun>();
  private failureLogged = false;

  /** `clock`: the Redis clock due times are judged by (the engine's aligned server clock). */
  constructor(private readonly clock: Clock = systemClock) {}

  /** Adds an observer; returns what removes it. */
  observe(observer: EngineObserver): () => void {
    this.observers.push(observer);
    return () => {
      const at = this.observers.indexOf(observer);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  runStarted(run: ObservedRun): void {
    if (this.observers.length === 0) return;
    // The aligned clock may trail Redis by a millisecond: a run is never early.
    const lateMs = Math.max(0, this.clock.now() - run.started.plannedMs);
    for (const observer of this.observers) {
      try {
        observer.runStarted?.(run, lateMs);
      } catch (error) {
        this.failed(error);
      }
    }
  }

  runSettled(run: ObservedRun, outcome: SettledOutcome): void {
    if (this.observers.length === 0) return;
    for (const observer of this.observers) {
      try {
        observer.runSettled?.(run, outcome.outcome);
      } catch (error) {
        this.failed(error);
      }
    }
    if (outcome.outcome === 'ok') this.ended(run, 'done');
    else if (outcome.outcome !== 'abandoned') this.awaitingStore.set(outcome.token, run);
  }

  /** The runner stops a run (it settles as abandoned at once): cancelled, or aborted otherwise. */
  runAborted(run: ObservedRun, kind: AbortKind): void {
    if (this.observers.length === 0) return;
    // Given up because its lease could not be renewed in time: a lease lost as well.
    if (kind === 'lease-expired') this.leasesExpired(1);
    this.ended(run, kind === 'cancelled' ? 'cancelled' : 'aborted');
  }

  /** Outcomes the store recorded, with its answers: a failed run is retried or not. */
  runsRecorded(outcomes: readonly RunOutcome[], results: readonly CompleteResult[]): void {
    if (this.awaitingStore.size === 0) return;
    outcomes.forEach((outcome, i) => {
      if (outcome.outcome !== 'error' && outcome.outcome !== 'timeout') return;
      const run = this.awaitingStore.get(outcome.token);
      if (!run) return;
      this.awaitingStore.delete(outcome.token);
      const end = results[i]?.code === 'retry' ? 'retried' : outcome.outcome;
      this.ended(run, end === 'error' ? 'failed' : end);
    });
  }

  occurrencesSkipped(name: string, reason: SkipReason, count: number): void {
    if (this.observers.length === 0 || count <= 0) return;
    for (const observer of this.observers) {
      try {
        observer.occurrencesSkipped?.(name, reason, count);
      } catch (error) {
        this.failed(error);
      }
    }
  }

  ingested(status: AcceptStatus | 'rejected'): void {
    if (this.observers.length === 0) return;
    const result = INGEST_RESULT[status];
    for (const observer of this.observers) {
      try {
        observer.ingested?.(result);
      } catch (error) {
        this.failed(error);
      }
    }
  }

  /** Leases a renewal found gone, each with the store's reason. */
  leasesLost(lost: readonly LostLease[]): void {
    for (const { reason } of lost) this.lost(LEASE_LOSS[reason], 1);
  }

  /** Claims given up here because their leases could not be renewed in time. */
  leasesExpired(count: number): void {
    this.lost('expired', count);
  }

  takenOver(count: number): void {
    if (this.observers.length === 0 || count === 0) return;
    for (const observer of this.observers) {
      try {
        observer.takenOver?.(count);
      } catch (error) {
        this.failed(error);
      }
    }
  }

  private ended(run: ObservedRun, end: RunEnd): void {
    for (const observer of this.observers) {
      try {
        observer.runEnded?.(run, end);
      } catch (error) {
        this.failed(error);
      }
    }
  }

  private lost(reason: LeaseLoss, count: number): void {
    if (this.observers.length === 0 || count === 0) return;
    for (const observer of this.observers) {
      try {
        observer.leasesLost?.(reason, count);
      } catch (error) {
        this.failed(error);
      }
    }
  }

  /** An observer's bug must not stop the engine, nor flood the log once per run. */
  private failed(error: unknown): void {
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.logger.error(
      `An engine observer threw (logged once; its events go on): ${printable(errorWithCauses(error), 500)}`,
    );
  }
}

/**
 * The engine's events; while debug lines are written (the app's log levels, as Nest's `Logger`
 * knows them when the engine is created), each run also gets a debug line of its own.
 */
export function engineEvents(clock: Clock, instanceId: string): EngineEvents {
  const events = new EngineEvents(clock);
  if (Logger.isLevelEnabled('debug')) {
    events.observe(new RunLog(new Logger('TaskRunner'), instanceId));
  }
  return events;
}
