import { Histogram, type Registry } from 'prom-client';
import type {
  EngineObserver,
  IngestResult,
  LeaseLoss,
  ObservedRun,
  RunEnd,
  SkipReason,
} from '../events/engine-events';
import { LATENESS_BUCKETS_MS } from './lateness-buckets';
import { scrapedCounter } from './scraped-counter';

const RUN_ENDS: readonly RunEnd[] = [
  'done',
  'failed',
  'timeout',
  'retried',
  'cancelled',
  'aborted',
];
const INGEST_RESULTS: readonly IngestResult[] = [
  'accepted',
  'duplicate',
  'rescheduled',
  'rejected',
];
const LEASE_LOSSES: readonly LeaseLoss[] = [
  'taken-over',
  'rescheduled',
  'removed',
  'cancelled',
  'expired',
];
const SKIP_REASONS: readonly SkipReason[] = ['missed', 'expired'];
/** The `name` of runs of a task whose name no handler here has: one series, however many. */
export const UNREGISTERED = '(unregistered)';

/** What is counted for one task name. */
interface NameSeries {
  lateness: { observe(value: number): void };
  ends: Record<RunEnd, number>;
  skipped: Record<SkipReason, number>;
}

/**
 * This instance's counters, from the engine's events, as prom-client metrics: how late runs start
 * and how they end per task name, what became of submissions, leases lost, takeovers. Counts are
 * plain numbers read at each scrape; lateness goes to a cached histogram child. A run costs one
 * histogram observation and one increment.
 */
export class EngineMetrics implements EngineObserver {
  private readonly lateness: Histogram<'name'>;
  private readonly series = new Map<string, NameSeries>();
  private readonly ingest = zeros(INGEST_RESULTS);
  private readonly leaseLost = zeros(LEASE_LOSSES);
  private takeovers = 0;

  /** `isTaskName`: whether a name is a registered task type's (bounds the `name` label). */
  constructor(
    registry: Registry,
    private readonly isTaskName: (name: string) => boolean,
  ) {
    const registers = [registry];
    this.lateness = new Histogram({
      name: 'delaytask_lateness_seconds',
      help: 'How late handlers started: start minus due time, by the Redis clock.',
      labelNames: ['name'],
      buckets: LATENESS_BUCKETS_MS.map((ms) => ms / 1000),
      registers,
    });
    scrapedCounter(
      registry,
      {
        name: 'delaytask_runs_total',
        help: 'Runs that ended on this instance, by task name and how they ended.',
        labelNames: ['name', 'outcome'],
      },
      () =>
        [...this.series].flatMap(([name, { ends }]) =>
          RUN_ENDS.map((outcome) => [{ name, outcome }, ends[outcome]] as const),
        ),
    );
    scrapedCounter(
      registry,
      {
        name: 'delaytask_occurrences_skipped_total',
        help:
          'Occurrences this instance decided not to run, by task name and reason (missed: their ' +
          'CatchUp or Overlap rule; expired: they would have started past MaxLateness).',
        labelNames: ['name', 'reason'],
      },
      () =>
        [...this.series].flatMap(([name, { skipped }]) =>
          SKIP_REASONS.map((reason) => [{ name, reason }, skipped[reason]] as const),
        ),
    );
    scrapedCounter(
      registry,
      {
        name: 'delaytask_ingest_total',
        help: 'Submissions this instance took in, by what became of them.',
        labelNames: ['result'],
      },
      () => INGEST_RESULTS.map((result) => [{ result }, this.ingest[result]] as const),
    );
    scrapedCounter(
      registry,
      {
        name: 'delaytask_lease_lost_total',
        help: 'Leases this instance lost, by reason (expired: it could not renew them in time).',
        labelNames: ['reason'],
      },
      () => LEASE_LOSSES.map((reason) => [{ reason }, this.leaseLost[reason]] as const),
    );
    scrapedCounter(
      registry,
      {
        name: 'delaytask_takeovers_total',
        help: 'Lapsed leases of other instances this instance took back to be run again.',
      },
      () => [[{}, this.takeovers]],
    );
  }

  /** The series of these task names, at 0 until their first run (the names known at start). */
  declareTaskNames(names: readonly string[]): void {
    for (const name of names) this.seriesOf(name);
  }

  runStarted(run: ObservedRun, lateMs: number): void {
    this.seriesOf(run.name).lateness.observe(lateMs / 1000);
  }

  runEnded(run: ObservedRun, end: RunEnd): void {
    this.seriesOf(run.name).ends[end]++;
  }

  ingested(result: IngestResult): void {
    this.ingest[result]++;
  }

  leasesLost(reason: LeaseLoss, count: number): void {
    this.leaseLost[reason] += count;
  }

  takenOver(count: number): void {
    this.takeovers += count;
  }

  occurrencesSkipped(name: string, reason: SkipReason, count: number): void {
    this.seriesOf(name).skipped[reason] += count;
  }

  /** A name's series, made (at 0: a rate over a series that appears later misses its start). */
  private seriesOf(name: string): NameSeries {
    const label = this.isTaskName(name) ? name : UNREGISTERED;
    let series = this.series.get(label);
    if (!series) {
      this.lateness.zero({ name: label });
      series = {
        lateness: this.lateness.labels(label),
        ends: zeros(RUN_ENDS),
        skipped: zeros(SKIP_REASONS),
      };
      this.series.set(label, series);
    }
    return series;
  }
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}
