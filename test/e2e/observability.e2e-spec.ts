import Redis from 'ioredis';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { freePort, RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/**
 * Issue 12: the built service as Prometheus, an orchestrator and a log shipper see it. A known
 * workload moves the counters and the lateness histogram by exactly what ran; readiness follows
 * Redis down and back; every log line is one JSON object, task lines with the task's fields.
 */
const PREFIX = 'obs:';
const CHANNEL = `${PREFIX}messageQ`;
const INSTANCE = 'obs-e2e-1';
let nextId = 30_000_000_000_000;
const newId = (): string => String(nextId++);

let redisServer: RedisServerProcess;
let redis: Redis;
let ping: PingServer;
let service: ServiceProcess;
let url: string;
/** A port nothing listens on: a ping there fails at once (connection refused). */
let refusedUrl: string;

beforeAll(async () => {
  redisServer = await RedisServerProcess.start({ appendonly: true });
  redis = new Redis(redisServer.url);
  ping = new PingServer();
  await ping.start();
  refusedUrl = `http://127.0.0.1:${await freePort()}/refused`;
  const httpPort = await freePort();
  url = `http://127.0.0.1:${httpPort}`;
  service = new ServiceProcess({
    REDIS_URL: redisServer.url,
    DELAYTASK_PREFIX: PREFIX,
    DELAYTASK_INSTANCE_ID: INSTANCE,
    DELAYTASK_HTTP_PORT: String(httpPort),
    DELAYTASK_CONCURRENCY: '4',
    DELAYTASK_LOG_FORMAT: 'json',
    DELAYTASK_LOG_LEVEL: 'debug',
  });
  await service.start();
}, 60_000);

afterAll(async () => {
  await service?.stop();
  redis?.disconnect();
  await ping?.stop();
  await redisServer?.dispose();
});

/** The series of a scrape, `name{labels}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
  const series = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

function task(id: string, fields: Record<string, unknown>): string {
  return JSON.stringify({
    ID: id,
    Name: 'OncePingTask',
    ToRunAt: unixSeconds(Date.now()),
    ...fields,
  });
}

async function stats(): Promise<Record<string, number>> {
  return (await (await fetch(`${url}/stats`)).json()) as Record<string, number>;
}

interface JsonLine {
  time: string;
  level: string;
  context?: string;
  message: string;
  taskId?: string;
  taskName?: string;
  attempt?: number;
  fencingToken?: number;
  instance?: string;
}

describe('GET /metrics', () => {
  it('moves the run counters and the lateness histogram by exactly what ran', async () => {
    const before = await scrape();
    const done = [newId(), newId(), newId(), newId(), newId(), newId()];
    const failing = [newId(), newId(), newId()];
    const retried = [newId(), newId()];
    const messages = [
      ...done.map((id) => task(id, { Url: ping.url(id) })),
      ...failing.map((id) => task(id, { Url: refusedUrl })),
      ...retried.map((id) => task(id, { Url: refusedUrl, Retries: 1, RetryDelay: '0.2' })),
    ];
    // The first once more (a duplicate), and one no handler takes (rejected).
    messages.push(messages[0], JSON.stringify({ ID: newId(), Name: 'NoSuchTask', ToRunAt: '1' }));
    await publishRaw(redis, CHANNEL, messages);

    await eventually(async () => {
      const counts = await stats();
      return counts.done === done.length && counts.failed === failing.length + retried.length;
    }, 'six tasks done and five failed');
    const after = await scrape();
    const moved = (series: string): number => (after.get(series) ?? 0) - (before.get(series) ?? 0);
    const runs = (outcome: string): number =>
      moved(`delaytask_runs_total{name="OncePingTask",outcome="${outcome}"}`);

    expect({
      done: runs('done'),
      failed: runs('failed'),
      retried: runs('retried'),
      timeout: runs('timeout'),
      cancelled: runs('cancelled'),
      aborted: runs('aborted'),
    }).toEqual({ done: 6, failed: 5, retried: 2, timeout: 0, cancelled: 0, aborted: 0 });
    // Every start: 6 done, 3 failed, and 2 tasks started twice.
    expect(moved('delaytask_lateness_seconds_count{name="OncePingTask"}')).toBe(13);
    expect(moved('delaytask_lateness_seconds_bucket{le="+Inf",name="OncePingTask"}')).toBe(13);
    expect({
      accepted: moved('delaytask_ingest_total{result="accepted"}'),
      duplicate: moved('delaytask_ingest_total{result="duplicate"}'),
      rejected: moved('delaytask_ingest_total{result="rejected"}'),
      rescheduled: moved('delaytask_ingest_total{result="rescheduled"}'),
    }).toEqual({ accepted: 11, duplicate: 1, rejected: 1, rescheduled: 0 });
  });

  it("reports the deployment's counts as GET /stats does, its instances and Node's own metrics", async () => {
    const series = await scrape();
    const counts = await stats();
    for (const [state, field] of [
      ['pending', 'pending'],
      ['running', 'running'],
      ['failed', 'failed'],
      ['done', 'done'],
      ['cancelled', 'cancelled'],
      ['dead', 'deadLetters'],
    ]) {
      expect([state, series.get(`delaytask_tasks{state="${state}"}`)]).toEqual([
        state,
        counts[field],
      ]);
    }
    expect(series.get('delaytask_due_lag_seconds')).toBe(0);
    expect(series.get('delaytask_instances')).toBe(1);
    expect(series.get('delaytask_redis_up')).toBe(1);
    expect(series.get(`delaytask_instance_info{instance_id="${INSTANCE}"}`)).toBe(1);
    expect(series.get('delaytask_stream_pending_entries')).toBe(0);
    expect(series.get('delaytask_pubsub_disconnects_total')).toBe(0);
    expect(series.get('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(series.has('nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });
});

describe('instances', () => {
  const INSTANCES = `{${PREFIX}}instances`;

  it('each tells the others it is alive; one not heard of for 10 s is forgotten', async () => {
    const own = JSON.parse((await redis.hget(INSTANCES, INSTANCE)) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(own).toMatchObject({ concurrency: 4, running: 0, claimed: 0 });
    expect(Date.now() - Number(own.at)).toBeLessThan(5000);
    const heartbeat = (agoMs: number) =>
      JSON.stringify({
        concurrency: 1,
        running: 0,
        claimed: 0,
        at: Date.now() - agoMs,
        startedAt: 0,
      });
    await redis.hset(INSTANCES, 'alive-elsewhere', heartbeat(1000), 'gone', heartbeat(11_000));
    expect((await scrape()).get('delaytask_instances')).toBe(2);
    expect((await redis.hkeys(INSTANCES)).sort()).toEqual(['alive-elsewhere', INSTANCE].sort());
    await redis.hdel(INSTANCES, 'alive-elsewhere');
  });
});

describe('logs, DELAYTASK_LOG_FORMAT=json', () => {
  it('writes every line as one JSON object, task lines with the task, its run and the instance', () => {
    const lines = service.logs.split('\n').filter((line) => line !== '');
    const parsed = lines.map((line) => JSON.parse(line) as JsonLine);
    for (const line of parsed) {
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(['log', 'warn', 'error', 'debug', 'verbose', 'fatal']).toContain(line.level);
    }
    const failed = parsed.find(
      (line) => line.level === 'warn' && line.taskId !== undefined && /failed/.test(line.message),
    );
    expect(failed).toMatchObject({
      context: 'TaskRunner',
      taskName: 'OncePingTask',
      attempt: 1,
      fencingToken: expect.any(Number) as unknown,
      instance: INSTANCE,
    });
    // DELAYTASK_LOG_LEVEL=debug: one line per run, a success too, with when, how late, how long.
    const succeeded = parsed.filter(
      (line) => line.level === 'debug' && / succeeded after \d+ ms$/.test(line.message),
    );
    expect(succeeded.length).toBeGreaterThanOrEqual(6);
    expect(succeeded[0]).toMatchObject({
      context: 'TaskRunner',
      taskName: 'OncePingTask',
      instance: INSTANCE,
      message: expect.stringMatching(/started \S+Z \(\d+ ms after its due time\)/) as unknown,
    });
  });
});

describe('readiness', () => {
  it('answers 503 within about a second while Redis is down, and 200 again once it is back', async () => {
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    await redisServer.stop();
    try {
      const startedAt = Date.now();
      const ready = await fetch(`${url}/health/ready`);
      expect(Date.now() - startedAt).toBeLessThan(2000);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: 'error',
        error: { redis: { status: 'down' } },
      });
      // The process itself still works, and says what it can.
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({
        status: 'unavailable',
        reason: expect.stringContaining('Redis') as unknown,
      });
      const series = await scrape();
      expect(series.get('delaytask_redis_up')).toBe(0);
      expect(series.has('delaytask_runs_total{name="OncePingTask",outcome="done"}')).toBe(true);
    } finally {
      await redisServer.restart();
    }
    await eventually(
      async () => (await fetch(`${url}/health/ready`)).status === 200,
      'ready again once Redis is back',
    );
    expect(service.logs).toMatch(/Readiness: not ready: redis: /);
    // Log lines are written at the end of their event-loop turn, after the reply may have gone.
    await eventually(() => /Readiness: ready again/.test(service.logs), 'the readiness log line');
  });

  it('a stopping instance takes its heartbeat away', async () => {
    await eventually(
      async () => (await redis.hexists(`{${PREFIX}}instances`, INSTANCE)) === 1,
      'a heartbeat after the restart of Redis',
    );
    expect(await service.stop()).toBe(0);
    expect(await redis.hexists(`{${PREFIX}}instances`, INSTANCE)).toBe(0);
  });
});
