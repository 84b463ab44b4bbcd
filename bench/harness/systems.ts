import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { childScript } from './build';
import { MeasuredChild } from './children';
import { type BenchRedis, sleep } from './redis-server';

/** One once task the harness asks for: `id` comes back in the recorded runs. */
export interface BenchTask {
  id: string;
  dueMs: number;
  /**
   * Ours only: a `Url` field, and whether the task type checks it at ingest (`BenchNoopValidated`,
   * whose payload class is the ping tasks' `PingPayload`) or takes it unchecked (`BenchNoop`).
   */
  url?: { value: string; checked: boolean };
}

export interface PeriodicPlan {
  count: number;
  firstMs: number;
  intervalMs: number;
  /** Last allowed occurrence (inclusive). */
  endMs: number;
}

/** `bulk`: the fast path (pipelined PUBLISH of seed JSON / Queue.addBulk); `single`: the framework's one-task API (Nest ClientProxy.emit / Queue.add). */
export type SubmitMode = 'bulk' | 'single';

export interface SubmitResult {
  /** From the first message sent until every task was accepted into Redis. */
  elapsedMs: number;
}

export interface System {
  readonly key: 'ours' | 'bullmq';
  /** Starts `instances` service/worker processes and waits until each is ready. */
  start(redis: BenchRedis, instances: number): Promise<MeasuredChild[]>;
  submit(count: number, task: (i: number) => BenchTask, mode: SubmitMode): Promise<SubmitResult>;
  submitPeriodic(plan: PeriodicPlan): Promise<SubmitResult>;
  stop(): Promise<void>;
}

const CHUNK = 1000;
const POLL_MS = 10;
/** Accepted tasks to wait for before publishing more (pub/sub drops a subscriber whose output buffer passes 32 MB). */
const MAX_AHEAD = 50_000;
const PREBUILT = 200_000;
const PREFIX = 'bench:';
const CHANNEL = `${PREFIX}messageQ`;
const QUEUE = 'bench';

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Our service: the real engine in its own process, fed on the Redis channel. */
export class OurService implements System {
  readonly key = 'ours';
  private children: MeasuredChild[] = [];
  private redis!: BenchRedis;
  private pub!: Redis;
  private pubsubLimit = '';

  constructor(private readonly nodeArgs: string[] = []) {}

  async start(redis: BenchRedis, instances: number): Promise<MeasuredChild[]> {
    this.redis = redis;
    this.pub = new Redis({ host: '127.0.0.1', port: redis.port });
    this.pubsubLimit = await redis.pubsubOutputLimit();
    for (let i = 0; i < instances; i++) {
      const name = `ours-${String.fromCharCode(65 + i)}`;
      this.children.push(
        MeasuredChild.spawn(
          name,
          childScript('bench-app'),
          {
            REDIS_URL: redis.url,
            DELAYTASK_PREFIX: PREFIX,
            DELAYTASK_CONCURRENCY: '50',
            DELAYTASK_INSTANCE_ID: `bench-${name}`,
          },
          this.nodeArgs,
        ),
      );
    }
    await Promise.all(this.children.map((child) => child.ready));
    return this.children;
  }

  /** Tasks accepted so far: live records plus completed ones. */
  private async accepted(): Promise<number> {
    const [[, live], [, done]] = (await this.pub
      .pipeline()
      .hlen(`{${PREFIX}}tasks`)
      .zcard(`{${PREFIX}}completed`)
      .exec()) as [[null, number], [null, number]];
    return live + done;
  }

  async submit(
    count: number,
    task: (i: number) => BenchTask,
    mode: SubmitMode,
  ): Promise<SubmitResult> {
    const base = await this.accepted();
    const message = (i: number) => {
      const { id, dueMs, url } = task(i);
      const seed = { ID: id, Name: 'BenchNoop', ToRunAt: seconds(dueMs) };
      if (url === undefined) return seed;
      return { ...seed, Name: url.checked ? 'BenchNoopValidated' : 'BenchNoop', Url: url.value };
    };
    // Up to PREBUILT messages are encoded before the clock starts, so the producer's own JSON work
    // stays out of the figure; a larger backlog is encoded chunk by chunk while publishing.
    const prebuilt =
      mode === 'bulk' && count <= PREBUILT
        ? Array.from({ length: count }, (_, i) => JSON.stringify(message(i)))
        : undefined;
    const started = Date.now();
    let throttled = false;
    if (mode === 'bulk') {
      let acceptedNow = base;
      for (let from = 0; from < count; from += CHUNK) {
        while (from - (acceptedNow - base) > MAX_AHEAD) {
          throttled = true;
          await sleep(POLL_MS);
          acceptedNow = await this.accepted();
        }
        const pipeline = this.pub.pipeline();
        for (let i = from; i < Math.min(count, from + CHUNK); i++) {
          pipeline.publish(CHANNEL, prebuilt ? prebuilt[i] : JSON.stringify(message(i)));
        }
        void pipeline.exec();
      }
    } else {
      const client: ClientProxy = ClientProxyFactory.create({
        transport: Transport.REDIS,
        options: { host: '127.0.0.1', port: this.redis.port },
      });
      await client.connect();
      const sent: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        sent.push(lastValueFrom(client.emit(CHANNEL, message(i)), { defaultValue: undefined }));
      }
      await Promise.all(sent);
      await client.close();
    }
    const elapsedMs = await this.waitAccepted(base + count, started);
    if (throttled) {
      // A product limit, not a bench artefact: a producer that outruns ingest loses messages.
      console.log(
        `  producer throttled to ${MAX_AHEAD} tasks ahead of acceptance: Redis cuts off a ` +
          `subscriber whose pub/sub output buffer passes client-output-buffer-limit pubsub ` +
          `(${this.pubsubLimit}), and messages published meanwhile are lost`,
      );
    }
    return { elapsedMs };
  }

  async submitPeriodic(plan: PeriodicPlan): Promise<SubmitResult> {
    const base = await this.accepted();
    const started = Date.now();
    const pipeline = this.pub.pipeline();
    for (let i = 0; i < plan.count; i++) {
      const message = {
        ID: `p${i}`,
        Name: 'BenchNoop',
        ToRunAt: seconds(plan.firstMs),
        Interval: seconds(plan.intervalMs),
        EndTime: seconds(plan.endMs),
      };
      pipeline.publish(CHANNEL, JSON.stringify(message));
    }
    await pipeline.exec();
    return { elapsedMs: await this.waitAccepted(base + plan.count, started) };
  }

  private async waitAccepted(target: number, started: number): Promise<number> {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const now = await this.accepted();
      if (now >= target) return Date.now() - started;
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 15_000) {
        throw new Error(`only ${now} of ${target} tasks were accepted (stalled for 15 s)`);
      }
      await sleep(POLL_MS);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()));
    this.children = [];
    this.pub?.disconnect();
  }
}

/** BullMQ 6.7: a Worker (no-op processor, concurrency 50) per process; the harness adds jobs. */
export class BullMqSystem implements System {
  readonly key = 'bullmq';
  private children: MeasuredChild[] = [];
  private queue!: Queue;

  constructor(private readonly nodeArgs: string[] = []) {}

  async start(redis: BenchRedis, instances: number): Promise<MeasuredChild[]> {
    this.queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
    await this.queue.waitUntilReady();
    for (let i = 0; i < instances; i++) {
      this.children.push(
        MeasuredChild.spawn(
          `bullmq-${String.fromCharCode(65 + i)}`,
          childScript('bullmq-worker'),
          { BENCH_REDIS_PORT: String(redis.port), BENCH_QUEUE: QUEUE, BENCH_CONCURRENCY: '50' },
          this.nodeArgs,
        ),
      );
    }
    await Promise.all(this.children.map((child) => child.ready));
    return this.children;
  }

  async submit(
    count: number,
    task: (i: number) => BenchTask,
    mode: SubmitMode,
  ): Promise<SubmitResult> {
    const job = (i: number) => {
      const { id, dueMs } = task(i);
      return {
        name: 'noop',
        data: { i: Number(id), due: dueMs },
        opts: { delay: Math.max(0, dueMs - Date.now()) },
      };
    };
    const started = Date.now();
    if (mode === 'bulk') {
      const inFlight = new Set<Promise<unknown>>();
      for (let from = 0; from < count; from += CHUNK) {
        const jobs = [];
        for (let i = from; i < Math.min(count, from + CHUNK); i++) jobs.push(job(i));
        const adding: Promise<unknown> = this.queue
          .addBulk(jobs)
          .then(() => inFlight.delete(adding));
        inFlight.add(adding);
        if (inFlight.size >= 10) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } else {
      const adding: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        const { name, data, opts } = job(i);
        adding.push(this.queue.add(name, data, opts));
      }
      await Promise.all(adding);
    }
    return { elapsedMs: Date.now() - started };
  }

  async submitPeriodic(plan: PeriodicPlan): Promise<SubmitResult> {
    const started = Date.now();
    const adding: Promise<unknown>[] = [];
    for (let s = 0; s < plan.count; s++) {
      adding.push(
        this.queue.upsertJobScheduler(
          `s${s}`,
          { every: plan.intervalMs, startDate: plan.firstMs, endDate: plan.endMs },
          { name: 'noop', data: { s } },
        ),
      );
    }
    await Promise.all(adding);
    return { elapsedMs: Date.now() - started };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()));
    this.children = [];
    await this.queue?.close();
  }
}
