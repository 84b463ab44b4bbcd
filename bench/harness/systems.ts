import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { Queue } from 'bullmq';
import { type Cluster, Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { childScript } from './build';
import { MeasuredChild } from './children';
import type { BenchCluster } from './redis-cluster';
import { type BenchRedis, pubsubOutputLimitOf, sleep } from './redis-server';

/** One once task the harness asks for: `id` comes back in the recorded runs. */
export interface BenchTask {
  id: string;
  dueMs: number;
  /**
   * Ours only: a `Url` field, and whether the task type checks it at ingest (`BenchNoopValidated`,
   * whose payload class is the ping tasks' `PingPayload`) or takes it unchecked (`BenchNoop`).
   */
  url?: { value: string; checked: boolean };
  /** A ping: ours gets the seed's `OncePingTask` with this `Url`, BullMQ a job that GETs it alike. */
  ping?: string;
  /** A task that takes this long: ours `BenchSleep` with `Ms`, BullMQ a job with `ms`. */
  workMs?: number;
}

export interface StartOptions {
  /** Handlers running at once per process (default 50). */
  concurrency?: number;
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
  /**
   * Ours: ms the producer waited for ingest to catch up before publishing more (0: it never had
   * to), because Redis cuts off a subscriber that falls too far behind (see `MAX_AHEAD`).
   */
  heldBackMs?: number;
}

/** What publishing without holding back did (ours only, `flood`). */
export interface FloodResult {
  /** From the first PUBLISH until Redis had answered the last one. */
  publishMs: number;
  /** Tasks accepted once acceptance had stopped growing. */
  accepted: number;
  /** PUBLISHes that Redis delivered to no subscriber (no instance was subscribed then). */
  noSubscriber: number;
  /** Subscriber connections that went away while publishing (Redis cut them off). */
  cutOff: number;
  /** Highest pub/sub output buffer Redis held for one subscriber (bytes; CLIENT LIST omem). */
  peakOutputBuffer: number;
  /** Redis's limit for it, as `pubsubOutputLimit` words it. */
  limit: string;
}

/** What adding to the stream inbox as fast as Redis takes it did (ours only, `stream`). */
export interface StreamFloodResult {
  /** From the first XADD until Redis had answered the last one. */
  addMs: number;
  /** From the first XADD until every entry was stored; NaN when storing stalled short of that. */
  storedMs: number;
  /** Tasks stored once all were, or once storing had stopped growing for 15 s. */
  stored: number;
  /** Highest stream length sampled (XLEN every 100 ms): entries waiting in Redis. */
  peakBacklog: number;
  /** Entries ingest refused meanwhile (dead letters added). */
  deadLettered: number;
}

export interface System {
  readonly key: 'ours' | 'bullmq';
  /** Starts `instances` service/worker processes and waits until each is ready. */
  start(redis: BenchRedis, instances: number, options?: StartOptions): Promise<MeasuredChild[]>;
  submit(count: number, task: (i: number) => BenchTask, mode: SubmitMode): Promise<SubmitResult>;
  submitPeriodic(plan: PeriodicPlan): Promise<SubmitResult>;
  /** Ours: the fencing counter (`GET {prefix}fence`, one INCR per claim); BullMQ has none. */
  claimCounter(): Promise<number | undefined>;
  stop(): Promise<void>;
}

const CHUNK = 1000;
const POLL_MS = 10;
/**
 * Published tasks not yet accepted beyond which the producer waits (except in `flood`): Redis
 * cuts off a subscriber whose pub/sub output buffer passes client-output-buffer-limit pubsub
 * (32 MiB by default), and what it held is lost. A product limit, said in the output when it acts.
 */
const MAX_AHEAD = 50_000;
const DEFAULT_CONCURRENCY = 50;
const PREBUILT = 200_000;
const PREFIX = 'bench:';
const CHANNEL = `${PREFIX}messageQ`;
const QUEUE = 'bench';
/** The stream inbox: named like the channel (keys and channels never collide in Redis). */
const STREAM = CHANNEL;
/** XADDs per pipeline into the stream inbox (test/e2e/stream.e2e-spec.ts's flood adds 10,000). */
const STREAM_PIPELINE = 10_000;
/** Pipelines of XADDs unanswered at once: Redis has the next while the harness encodes one. */
const STREAM_IN_FLIGHT = 2;
/** The dead-letter list (src/store/keys.ts): what ingest refused. */
const DEAD = `{${PREFIX}}dead`;

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
  /** On a cluster: counts acceptance over every partition (see `startOnCluster`). */
  private counter: Cluster | undefined;
  private partitionTags: string[] = [];

  constructor(private readonly nodeArgs: string[] = []) {}

  async start(
    redis: BenchRedis,
    instances: number,
    options: StartOptions = {},
  ): Promise<MeasuredChild[]> {
    this.redis = redis;
    this.pub = new Redis({ host: '127.0.0.1', port: redis.port });
    this.pubsubLimit = await redis.pubsubOutputLimit();
    return this.spawnChildren(instances, { REDIS_URL: redis.url }, options);
  }

  /**
   * The same on a Redis Cluster (scenario `cluster`): the service is given REDIS_CLUSTER_NODES
   * (partitions and replica acks take their cluster defaults, 16 and 1, unless the harness's
   * environment sets them), the producer publishes to `publishTo` (classic pub/sub: the cluster
   * bus forwards every PUBLISH to every node), and acceptance is counted over the `partitions`
   * partitions' keys with a cluster client.
   */
  async startOnCluster(
    cluster: BenchCluster,
    publishTo: number,
    partitions: number,
    options: StartOptions = {},
  ): Promise<MeasuredChild[]> {
    this.pub = new Redis({ host: '127.0.0.1', port: publishTo });
    this.pubsubLimit = await pubsubOutputLimitOf(this.pub);
    this.counter = cluster.client();
    this.partitionTags = Array.from({ length: partitions }, (_, p) =>
      partitions === 1 ? `{${PREFIX}}` : `{${PREFIX}${p}}`,
    );
    return this.spawnChildren(1, { REDIS_CLUSTER_NODES: cluster.seedNodes }, options);
  }

  private async spawnChildren(
    instances: number,
    redisEnv: Record<string, string>,
    options: StartOptions,
  ): Promise<MeasuredChild[]> {
    for (let i = 0; i < instances; i++) {
      const name = `ours-${String.fromCharCode(65 + i)}`;
      this.children.push(
        MeasuredChild.spawn(
          name,
          childScript('bench-app'),
          {
            ...redisEnv,
            DELAYTASK_PREFIX: PREFIX,
            DELAYTASK_CONCURRENCY: String(options.concurrency ?? DEFAULT_CONCURRENCY),
            DELAYTASK_INSTANCE_ID: `bench-${name}`,
            // Empty: the ping examples may GET any host (the harness's HTTP server), as the seed.
            DELAYTASK_PING_ALLOW: '',
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
    if (this.counter) {
      const counter = this.counter;
      const counts = await Promise.all(
        this.partitionTags.flatMap((tag) => [
          counter.hlen(`${tag}tasks`),
          counter.zcard(`${tag}completed`),
        ]),
      );
      return counts.reduce((a, b) => a + b, 0);
    }
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
    const message = (i: number) => seedMessage(task(i));
    const text = mode === 'bulk' ? seedTexts(count, task) : undefined;
    const started = Date.now();
    let heldBackMs = 0;
    if (mode === 'bulk') {
      let acceptedNow = base;
      for (let from = 0; from < count; from += CHUNK) {
        while (from - (acceptedNow - base) > MAX_AHEAD) {
          const waitFrom = Date.now();
          await sleep(POLL_MS);
          acceptedNow = await this.accepted();
          heldBackMs += Date.now() - waitFrom;
        }
        const pipeline = this.pub.pipeline();
        for (let i = from; i < Math.min(count, from + CHUNK); i++) {
          pipeline.publish(CHANNEL, text ? text(i) : JSON.stringify(message(i)));
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
    if (heldBackMs > 0) {
      // A product limit, not a bench artefact: a producer that outruns ingest loses messages.
      console.log(
        `  ! producer held back ${(heldBackMs / 1000).toFixed(1)} s, to ${MAX_AHEAD} tasks ahead ` +
          `of acceptance: Redis cuts off a subscriber whose pub/sub output buffer passes ` +
          `client-output-buffer-limit pubsub (${this.pubsubLimit}), and messages published ` +
          `meanwhile are lost (scenario flood: what is lost without holding back)`,
      );
    }
    return { elapsedMs, heldBackMs };
  }

  /**
   * Publishes every task as fast as Redis takes the PUBLISHes, never waiting for ingest (the
   * event loop is yielded after each pipeline only so that the socket is written meanwhile), then
   * waits until acceptance has not grown for 5 s and tells how many were accepted.
   */
  async flood(count: number, task: (i: number) => BenchTask): Promise<FloodResult> {
    const base = await this.accepted();
    const watch = new PubsubWatch(this.redis);
    const started = Date.now();
    const replies: Promise<number>[] = [];
    for (let from = 0; from < count; from += CHUNK) {
      const pipeline = this.pub.pipeline();
      for (let i = from; i < Math.min(count, from + CHUNK); i++) {
        pipeline.publish(CHANNEL, JSON.stringify(seedMessage(task(i))));
      }
      replies.push(
        pipeline
          .exec()
          .then(
            (results) =>
              (results ?? []).filter(([error, receivers]) => !error && receivers === 0).length,
          ),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    const noSubscriber = (await Promise.all(replies)).reduce((a, b) => a + b, 0);
    const publishMs = Date.now() - started;
    let accepted = await this.accepted();
    let lastChange = Date.now();
    while (accepted - base < count && Date.now() - lastChange < 5000) {
      await sleep(100);
      const now = await this.accepted();
      if (now !== accepted) lastChange = Date.now();
      accepted = now;
    }
    const { cutOff, peakOutputBuffer } = await watch.stop();
    return {
      publishMs,
      accepted: accepted - base,
      noSubscriber,
      cutOff,
      peakOutputBuffer,
      limit: this.pubsubLimit,
    };
  }

  /**
   * The durable way in (`stream`): adds every task's seed JSON to the stream inbox as its field
   * `task` (pipelined XADD, see `addToStream`) and waits until every one is stored, polling as
   * `submit` does. Up to PREBUILT texts are encoded before the clock starts, as in `submit`.
   */
  async submitStream(
    count: number,
    task: (i: number) => BenchTask,
  ): Promise<SubmitResult & { addMs: number }> {
    const base = await this.accepted();
    const text = seedTexts(count, task);
    const started = Date.now();
    await this.addToStream(count, text);
    const addMs = Date.now() - started;
    return { elapsedMs: await this.waitAccepted(base + count, started), addMs };
  }

  /**
   * Adds every task to the stream inbox as fast as Redis takes the XADDs (encoded while adding),
   * then waits until all are stored or storing has not progressed for 15 s. Meanwhile the stream's
   * length is sampled every 100 ms: what waits in Redis rather than in the service.
   */
  async streamFlood(count: number, task: (i: number) => BenchTask): Promise<StreamFloodResult> {
    const base = await this.accepted();
    const deadBefore = await this.pub.llen(DEAD);
    let peakBacklog = 0;
    let polling: Promise<void> = Promise.resolve();
    const sampleBacklog = () => {
      polling = this.redis.admin.xlen(STREAM).then(
        (length) => void (peakBacklog = Math.max(peakBacklog, length)),
        () => undefined,
      );
    };
    const timer = setInterval(sampleBacklog, 100);
    const started = Date.now();
    try {
      await this.addToStream(count, (i) => JSON.stringify(seedMessage(task(i))));
      const addMs = Date.now() - started;
      const reached = await this.acceptedBy(base + count, started, 15_000);
      return {
        addMs,
        storedMs: reached.complete ? reached.elapsedMs : NaN,
        stored: reached.accepted - base,
        peakBacklog,
        deadLettered: (await this.pub.llen(DEAD)) - deadBefore,
      };
    } finally {
      clearInterval(timer);
      await polling;
    }
  }

  /** Entries in the stream inbox now (added, not yet stored and deleted). */
  streamLength(): Promise<number> {
    return this.pub.xlen(STREAM);
  }

  /**
   * `XADD <stream> * task <text>` for each task, STREAM_PIPELINE a pipeline (as
   * test/e2e/stream.e2e-spec.ts adds them), at most STREAM_IN_FLIGHT pipelines unanswered so that
   * Redis always has the next one while the harness encodes another. Resolves once Redis answered
   * the last; a refused XADD fails the run (what Redis refused was never in the inbox).
   */
  private async addToStream(count: number, text: (i: number) => string): Promise<void> {
    const inFlight = new Set<Promise<unknown>>();
    let refused = 0;
    let firstError: Error | null = null;
    for (let from = 0; from < count; from += STREAM_PIPELINE) {
      const pipeline = this.pub.pipeline();
      for (let i = from; i < Math.min(count, from + STREAM_PIPELINE); i++) {
        pipeline.xadd(STREAM, '*', 'task', text(i));
      }
      const adding: Promise<unknown> = pipeline.exec().then((results) => {
        for (const [error] of results ?? []) {
          if (error) {
            refused++;
            firstError ??= error;
          }
        }
        inFlight.delete(adding);
      });
      inFlight.add(adding);
      if (inFlight.size >= STREAM_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (refused > 0) {
      throw new Error(`Redis refused ${refused} XADD(s): ${String(firstError)}`);
    }
  }

  async claimCounter(): Promise<number> {
    return Number((await this.pub.get(`{${PREFIX}}fence`)) ?? 0);
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
    const { elapsedMs, accepted, complete } = await this.acceptedBy(target, started, 15_000);
    if (!complete) {
      throw new Error(`only ${accepted} of ${target} tasks were accepted (stalled for 15 s)`);
    }
    return elapsedMs;
  }

  /**
   * Polls acceptance every POLL_MS until it reaches `target` (complete) or has not grown for
   * `stallMs`; `elapsedMs` is from `started` until then.
   */
  private async acceptedBy(
    target: number,
    started: number,
    stallMs: number,
  ): Promise<{ elapsedMs: number; accepted: number; complete: boolean }> {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const now = await this.accepted();
      if (now >= target) return { elapsedMs: Date.now() - started, accepted: now, complete: true };
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) {
        return { elapsedMs: Date.now() - started, accepted: now, complete: false };
      }
      await sleep(POLL_MS);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()));
    this.children = [];
    this.pub?.disconnect();
    this.counter?.disconnect();
    this.counter = undefined;
  }
}

/**
 * The seed JSON of each task, by index. Up to PREBUILT are encoded now, before the caller starts
 * its clock, so that the producer's own JSON work stays out of the figure; a larger count is
 * encoded as it is asked for (while submitting).
 */
function seedTexts(count: number, task: (i: number) => BenchTask): (i: number) => string {
  const encode = (i: number) => JSON.stringify(seedMessage(task(i)));
  if (count > PREBUILT) return encode;
  const texts = Array.from({ length: count }, (_, i) => encode(i));
  return (i) => texts[i];
}

/** Our seed-format message for a bench task. */
function seedMessage({ id, dueMs, url, ping, workMs }: BenchTask): Record<string, string | number> {
  const seed = { ID: id, Name: 'BenchNoop', ToRunAt: seconds(dueMs) };
  if (ping !== undefined) return { ...seed, Name: 'OncePingTask', Url: ping };
  if (workMs !== undefined) return { ...seed, Name: 'BenchSleep', Ms: workMs };
  if (url === undefined) return seed;
  return { ...seed, Name: url.checked ? 'BenchNoopValidated' : 'BenchNoop', Url: url.value };
}

/**
 * Watches the pub/sub clients of a Redis (`CLIENT LIST TYPE pubsub`, every 100 ms): the highest
 * output buffer one held, and the connections that went away (cut off by Redis).
 */
class PubsubWatch {
  private readonly seen = new Set<number>();
  private current = new Set<number>();
  private gone = 0;
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly redis: BenchRedis) {
    this.timer = setInterval(() => {
      this.polling = this.poll();
    }, 100);
    this.polling = this.poll();
  }

  async stop(): Promise<{ cutOff: number; peakOutputBuffer: number }> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
    return { cutOff: this.gone, peakOutputBuffer: this.peak };
  }

  private async poll(): Promise<void> {
    const list = await this.redis.pubsubClients().catch(() => undefined);
    if (!list) return;
    const now = new Set<number>();
    for (const { id, omem } of list) {
      now.add(id);
      this.seen.add(id);
      if (omem > this.peak) this.peak = omem;
    }
    for (const id of this.current) if (!now.has(id)) this.gone++;
    this.current = now;
  }
}

/** BullMQ 6.7: a Worker (concurrency 50 unless told) per process; the harness adds jobs. */
export class BullMqSystem implements System {
  readonly key = 'bullmq';
  private children: MeasuredChild[] = [];
  private queue!: Queue;

  constructor(private readonly nodeArgs: string[] = []) {}

  async start(
    redis: BenchRedis,
    instances: number,
    options: StartOptions = {},
  ): Promise<MeasuredChild[]> {
    this.queue = new Queue(QUEUE, { connection: { host: '127.0.0.1', port: redis.port } });
    await this.queue.waitUntilReady();
    for (let i = 0; i < instances; i++) {
      this.children.push(
        MeasuredChild.spawn(
          `bullmq-${String.fromCharCode(65 + i)}`,
          childScript('bullmq-worker'),
          {
            BENCH_REDIS_PORT: String(redis.port),
            BENCH_QUEUE: QUEUE,
            BENCH_CONCURRENCY: String(options.concurrency ?? DEFAULT_CONCURRENCY),
          },
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
      const { id, dueMs, ping, workMs } = task(i);
      const data = { i: Number(id), due: dueMs };
      const opts = { delay: Math.max(0, dueMs - Date.now()) };
      if (ping !== undefined) return { name: 'ping', data: { ...data, url: ping }, opts };
      if (workMs !== undefined) return { name: 'work', data: { ...data, ms: workMs }, opts };
      return { name: 'noop', data, opts };
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

  claimCounter(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()));
    this.children = [];
    await this.queue?.close();
  }
}
