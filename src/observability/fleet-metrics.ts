import { Gauge, type Registry } from 'prom-client';
import type { TaskStats } from '../store/operations-store';
import type { InstanceStatus } from './instance-heartbeat.service';
import type { StreamBacklog } from './stream-backlog';

/** What a scrape reads from Redis: the same for every instance of the deployment. */
export interface FleetReading {
  stats: TaskStats;
  instances: readonly InstanceStatus[];
  stream: StreamBacklog | undefined;
}

const STATES = ['pending', 'running', 'failed', 'done', 'cancelled', 'dead'] as const;

/**
 * The deployment's gauges, set from Redis at each scrape (every instance reports the same values:
 * aggregate them with max, not sum), and this instance's own load. While Redis does not answer
 * they are NaN (the counts by state absent), and `delaytask_redis_up` 0; the stream's are NaN
 * until the stream exists.
 */
export class FleetMetrics {
  private readonly tasks: Gauge<'state'>;
  private readonly dueLag: Gauge;
  private readonly instances: Gauge;
  private readonly streamLength: Gauge;
  private readonly streamPending: Gauge;
  private readonly redisUp: Gauge;
  private readonly running: Gauge;
  private readonly claimed: Gauge;

  constructor(registry: Registry, instanceId: string, concurrency: number) {
    const registers = [registry];
    this.tasks = new Gauge({
      name: 'delaytask_tasks',
      help: 'Tasks by state, as GET /stats counts them (dead: dead letters).',
      labelNames: ['state'],
      registers,
    });
    this.dueLag = new Gauge({
      name: 'delaytask_due_lag_seconds',
      help: 'How overdue the oldest due task not yet claimed is.',
      registers,
    });
    this.instances = new Gauge({
      name: 'delaytask_instances',
      help: 'Instances whose heartbeat is at most 10 s old.',
      registers,
    });
    this.streamLength = new Gauge({
      name: 'delaytask_stream_entries',
      help: 'Entries in the stream inbox not yet read (once the stream exists).',
      registers,
    });
    this.streamPending = new Gauge({
      name: 'delaytask_stream_pending_entries',
      help: 'Stream entries read but not yet acknowledged (once the stream exists).',
      registers,
    });
    this.redisUp = new Gauge({
      name: 'delaytask_redis_up',
      help: 'Whether Redis answered this scrape within a second.',
      registers,
    });
    this.running = new Gauge({
      name: 'delaytask_running',
      help: 'Handlers running on this instance.',
      registers,
    });
    this.claimed = new Gauge({
      name: 'delaytask_claimed',
      help: 'Claims this instance holds: in its wheel, waiting to start, running.',
      registers,
    });
    new Gauge({
      name: 'delaytask_concurrency',
      help: 'Handlers this instance runs at once at most.',
      registers,
    }).set(concurrency);
    new Gauge({
      name: 'delaytask_instance_info',
      help: "This instance's ID (DELAYTASK_INSTANCE_ID), as a label.",
      labelNames: ['instance_id'],
      registers,
    }).set({ instance_id: instanceId }, 1);
  }

  /** This instance's load, read as the scrape begins. */
  setLoad(own: Pick<InstanceStatus, 'running' | 'claimed'>): void {
    this.running.set(own.running);
    this.claimed.set(own.claimed);
  }

  /** What Redis said, or undefined when it did not answer: then the values are unknown (NaN). */
  setFleet(reading: FleetReading | undefined): void {
    this.redisUp.set(reading ? 1 : 0);
    this.tasks.reset();
    if (reading) {
      const counts = { ...reading.stats, dead: reading.stats.deadLetters };
      for (const state of STATES) this.tasks.set({ state }, counts[state]);
    }
    this.dueLag.set(reading ? reading.stats.oldestDueLagMs / 1000 : NaN);
    this.instances.set(reading ? reading.instances.length : NaN);
    this.streamLength.set(reading?.stream?.length ?? NaN);
    this.streamPending.set(reading?.stream?.pending ?? NaN);
  }
}
