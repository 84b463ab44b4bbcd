import type { LoggerService } from '@nestjs/common';
import { OutageLog } from '../logging/outage-log';
import type { CompleteResult } from '../store/task-store';
import type { Claim, RunOutcome } from '../domain/claim';
import { errorText } from './run';

/** Outcomes per script call, at most, unless the owner asks for smaller batches. */
const MAX_BATCH = 1000;
const RETRY_DELAY_MS = 200;
const CALLS_IN_FLIGHT = 2;

/** What the writer needs of the store; `windowMs` null claims no next occurrence. */
export type CompleteRuns = (
  windowMs: number | null,
  outcomes: readonly RunOutcome[],
) => Promise<CompleteResult[]>;

/** Told of each batch the store recorded, with its answers (done, retry, failed, …). */
export type OnRecorded = (
  outcomes: readonly RunOutcome[],
  results: readonly CompleteResult[],
) => void;

/**
 * Writes run outcomes to Redis in batches (the outcomes of one event-loop turn in one
 * `completeRuns` call, not one round trip per run; two calls in flight, so that Redis records one
 * batch while the reply to the other is handled), retrying through outages, and hands on the next
 * occurrences of periodic tasks that came back claimed for this instance.
 */
export class OutcomeWriter {
  private readonly outage: OutageLog;
  private outcomes: RunOutcome[] = [];
  private calls = 0;
  private inFlight = 0;
  private scheduled = false;
  private backingOff = false;
  private idleWaiters: (() => void)[] = [];
  private windowMs: number | null;
  private stopping = false;

  constructor(
    private readonly logger: LoggerService,
    windowMs: number,
    private readonly complete: CompleteRuns,
    private readonly onNext: (claims: Claim[]) => void,
    private readonly onRecorded: OnRecorded = () => undefined,
    private readonly batchSize = MAX_BATCH,
  ) {
    this.outage = new OutageLog(logger, 'record task outcomes in Redis');
    this.windowMs = windowMs;
  }

  get pending(): number {
    return this.outcomes.length;
  }

  /** Outcomes not yet recorded in Redis, the batches on their way included: what a crash would lose. */
  get unrecorded(): number {
    return this.outcomes.length + this.inFlight;
  }

  write(outcome: RunOutcome): void {
    this.outcomes.push(outcome);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sendWhatWaits();
    });
  }

  /**
   * The instance is stopping: next occurrences go to the due set rather than to it, and a failed
   * write is no longer retried for ever.
   */
  stop(): void {
    this.windowMs = null;
    this.stopping = true;
  }

  /** Writes what is queued (once stopping: one more try). */
  async flush(): Promise<void> {
    await this.whenIdle();
    if (this.outcomes.length === 0) return;
    this.sendWhatWaits();
    await this.whenIdle();
  }

  private sendWhatWaits(): void {
    while (this.outcomes.length > 0 && this.calls < CALLS_IN_FLIGHT && !this.backingOff) {
      void this.send(this.outcomes.splice(0, this.batchSize));
    }
    this.wakeIfIdle();
  }

  private async send(batch: RunOutcome[]): Promise<void> {
    this.calls++;
    this.inFlight += batch.length;
    try {
      const results = await this.complete(this.windowMs, batch);
      this.landed(batch);
      this.outage.succeeded();
      this.onRecorded(batch, results);
      const next = results.flatMap((result) => (result.next ? [result.next] : []));
      if (next.length > 0) this.handOn(next);
    } catch (error) {
      this.landed(batch);
      this.outage.failed(error);
      this.outcomes.unshift(...batch);
      // Once stopping, what failed waits for flush's one more try rather than a retry loop.
      if (this.stopping) return this.wakeIfIdle();
      this.backingOff = true;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      this.backingOff = false;
    }
    // Written while the reply was being handled, or put back: nobody else would send it.
    this.sendWhatWaits();
  }

  private landed(batch: readonly RunOutcome[]): void {
    this.calls--;
    this.inFlight -= batch.length;
  }

  private wakeIfIdle(): void {
    if (this.isIdle()) this.idleWaiters.splice(0).forEach((resolve) => resolve());
  }

  private isIdle(): boolean {
    return !this.scheduled && this.calls === 0 && !this.backingOff;
  }

  private whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** A listener's failure is its own: the batch was written and is not written again. */
  private handOn(next: Claim[]): void {
    try {
      this.onNext(next);
    } catch (error) {
      this.logger.error(`Could not hold ${next.length} next occurrence(s): ${errorText(error)}`);
    }
  }
}
