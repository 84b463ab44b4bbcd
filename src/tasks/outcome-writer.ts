import type { LoggerService } from '@nestjs/common';
import { OutageLog } from '../logging/outage-log';
import type { CompleteResult } from '../store/task-store';
import type { Claim, RunOutcome } from '../domain/claim';
import { errorText } from './run';

/** Outcomes per script call, at most. */
const BATCH = 1000;
const RETRY_DELAY_MS = 200;

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
 * Writes run outcomes to Redis in batches (one `completeRuns` call per event-loop turn, not one
 * round trip per run), retrying through outages, and hands on the next occurrences of periodic
 * tasks that came back claimed for this instance.
 */
export class OutcomeWriter {
  private readonly outage: OutageLog;
  private outcomes: RunOutcome[] = [];
  private inFlight = 0;
  private writing: Promise<void> | undefined;
  private windowMs: number | null;
  private stopping = false;

  constructor(
    private readonly logger: LoggerService,
    windowMs: number,
    private readonly complete: CompleteRuns,
    private readonly onNext: (claims: Claim[]) => void,
    private readonly onRecorded: OnRecorded = () => undefined,
  ) {
    this.outage = new OutageLog(logger, 'record task outcomes in Redis');
    this.windowMs = windowMs;
  }

  get pending(): number {
    return this.outcomes.length;
  }

  /** Outcomes not yet recorded in Redis, the batch on its way included: what a crash would lose. */
  get unrecorded(): number {
    return this.outcomes.length + this.inFlight;
  }

  write(outcome: RunOutcome): void {
    this.outcomes.push(outcome);
    this.writing ??= this.writeSoon();
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
    await this.writing;
    await this.writeAll();
  }

  private async writeSoon(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.writeAll();
    this.writing = undefined;
    // Written while the last reply was being handled: nobody else would write it.
    if (this.outcomes.length > 0 && !this.stopping) this.writing = this.writeSoon();
  }

  /** A listener's failure is its own: the batch was written and is not written again. */
  private handOn(next: Claim[]): void {
    try {
      this.onNext(next);
    } catch (error) {
      this.logger.error(`Could not hold ${next.length} next occurrence(s): ${errorText(error)}`);
    }
  }

  private async writeAll(): Promise<void> {
    while (this.outcomes.length > 0) {
      const batch = this.outcomes.splice(0, BATCH);
      this.inFlight = batch.length;
      try {
        const results = await this.complete(this.windowMs, batch);
        this.inFlight = 0;
        this.outage.succeeded();
        this.onRecorded(batch, results);
        const next = results.flatMap((result) => (result.next ? [result.next] : []));
        if (next.length > 0) this.handOn(next);
      } catch (error) {
        this.inFlight = 0;
        this.outage.failed(error);
        this.outcomes.unshift(...batch);
        if (this.stopping) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }
}
