import { Counter, Histogram, type Registry } from 'prom-client';
import type {
  EngineObserver,
  IngestResult,
  LeaseLoss,
  ObservedRun,
  RunEnd,
} from '../engine/engine-events';
import { LATENESS_BUCKETS_MS } from './lateness-buckets';

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
/** The `name` of runs of a task whose name no handler here has: one series, however many. */
export const UNREGISTERED = '(unregistered)';

type Inc = { inc(value?: number): void };
/** The series of one task name, looked up once. */
interface NameSeries {
  lateness: { observe(value: number): void };
  runs: Record<RunEnd, Inc>;
}

/**
 * This instance's counters, from the engine's events, as prom-client metrics: how late runs start
 * and how they end per task name, what became of submissions, leases lost, takeovers. Each
 * series' child is looked up once and kept, so a run costs one histogram and one counter update.
 */
export class EngineMetrics implements EngineObserver {
  private readonly lateness: Histogram<'name'>;
  private readonly runs: Counter<'name' | 'outcome'>;
  private readonly ingest: Counter<'result'>;
  private readonly leaseLost: Counter<'reason'>;
  private readonly takeovers: Counter;
  private readonly series = new Map<string, NameSeries>();

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
    this.runs = new Counter({
      name: 'delaytask_runs_total',
      help: 'Runs that ended on this instance, by task name and how they ended.',
      labelNames: ['name', 'outcome'],
      registers,
    });
    this.ingest = new Counter({
      name: 'delaytask_ingest_total',
      help: 'Submissions this instance took in, by what became of them.',
      labelNames: ['result'],
      registers,
    });
    this.leaseLost = new Counter({
      name: 'delaytask_lease_lost_total',
      help: 'Leases this instance lost, by reason (expired: it could not renew them in time).',
      labelNames: ['reason'],
      registers,
    });
    this.takeovers = new Counter({
      name: 'delaytask_takeovers_total',
      help: 'Lapsed leases of other instances this instance took back to be run again.',
      registers,
    });
    // Every series from the start, at 0: a rate over a series that appears later misses its start.
    for (const result of INGEST_RESULTS) this.ingest.inc({ result }, 0);
    for (const reason of LEASE_LOSSES) this.leaseLost.inc({ reason }, 0);
    this.takeovers.inc(0);
  }

  /** The series of these task names, at 0 until their first run (the names known at start). */
  declareTaskNames(names: readonly string[]): void {
    for (const name of names) this.seriesOf(name);
  }

  runStarted(run: ObservedRun, lateMs: number): void {
    this.seriesOf(run.name).lateness.observe(lateMs / 1000);
  }

  runEnded(run: ObservedRun, end: RunEnd): void {
    this.seriesOf(run.name).runs[end].inc();
  }

  ingested(result: IngestResult): void {
    this.ingest.inc({ result });
  }

  leasesLost(reason: LeaseLoss, count: number): void {
    this.leaseLost.inc({ reason }, count);
  }

  takenOver(count: number): void {
    this.takeovers.inc(count);
  }

  /** A name's series, made (each at 0) the first time it is seen. */
  private seriesOf(name: string): NameSeries {
    const label = this.isTaskName(name) ? name : UNREGISTERED;
    let series = this.series.get(label);
    if (!series) {
      const runs = {} as Record<RunEnd, Inc>;
      for (const end of RUN_ENDS) {
        runs[end] = this.runs.labels(label, end);
        runs[end].inc(0);
      }
      this.lateness.zero({ name: label });
      series = { lateness: this.lateness.labels(label), runs };
      this.series.set(label, series);
    }
    return series;
  }
}
