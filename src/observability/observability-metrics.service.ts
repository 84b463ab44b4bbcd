import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { RedisLike } from '../store/redis-like';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, REDIS_CLIENT } from '../delay-task.constants';
import { EngineEvents } from '../events/engine-events';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import { TaskOperations } from '../operations/task-operations.service';
import { TaskRegistry } from '../tasks/task-registry';
import { EngineMetrics } from './engine-metrics';
import { FleetMetrics, type FleetReading } from './fleet-metrics';
import { InstanceHeartbeat } from './instance-heartbeat.service';
import { LatenessHistory } from './lateness-history';
import { scrapedCounter } from './scraped-counter';
import { readStreamBacklog } from './stream-backlog';
import { within } from './within';

/** A scrape waits this long for Redis, then reports without the deployment's gauges. */
const SCRAPE_REDIS_MS = 1000;

/**
 * The metrics of this instance, in a registry of its own (prom-client's default one stays the
 * app's): Node's process metrics, the engine's events as counters and a lateness histogram, the
 * deployment's gauges read from Redis at each scrape. Also keeps the last minutes of lateness
 * for the status page. Observes the engine from its creation, so no early run is missed.
 */
@Injectable()
export class ObservabilityMetrics implements OnApplicationBootstrap, OnModuleDestroy {
  readonly registry = new Registry();
  readonly lateness = new LatenessHistory();
  private readonly engine: EngineMetrics;
  private readonly fleet: FleetMetrics;
  private readonly stopObserving: (() => void)[];

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(REDIS_CLIENT) private readonly redis: RedisLike,
    events: EngineEvents,
    private readonly taskTypes: TaskRegistry,
    private readonly operations: TaskOperations,
    private readonly heartbeat: InstanceHeartbeat,
    transport: DelayTaskTransport,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.engine = new EngineMetrics(this.registry, (name) => taskTypes.has(name));
    this.fleet = new FleetMetrics(this.registry, options.instanceId, options.concurrency);
    // The transport counts them (GET /health shows them too).
    scrapedCounter(
      this.registry,
      {
        name: 'delaytask_pubsub_disconnects_total',
        help: 'Times this instance lost its subscription to the task channel.',
      },
      () => [[{}, transport.pubsubDisconnects]],
    );
    this.stopObserving = [events.observe(this.engine), events.observe(this.lateness)];
  }

  /** The task types are known once the app's modules are initialised. */
  onApplicationBootstrap(): void {
    this.engine.declareTaskNames(this.taskTypes.names());
  }

  onModuleDestroy(): void {
    this.stopObserving.forEach((stop) => stop());
  }

  /** The text Prometheus scrapes, the deployment's gauges read from Redis first. */
  async scrape(): Promise<string> {
    this.fleet.setLoad(this.heartbeat.status());
    this.fleet.setFleet(await this.readFleet().catch(() => undefined));
    return this.registry.metrics();
  }

  private readFleet(): Promise<FleetReading> {
    const stream = this.options.prefix + this.options.topic;
    const reading = Promise.all([
      this.operations.stats(),
      this.heartbeat.instances(),
      readStreamBacklog(this.redis, stream),
    ]).then(([stats, instances, backlog]) => ({ stats, instances, stream: backlog }));
    return within(reading, SCRAPE_REDIS_MS, 'Redis');
  }
}
