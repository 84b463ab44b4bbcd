import Redis from 'ioredis';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { RedisServerProcess, freePort } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';
import { newTaskId } from '../support/workload';

/**
 * Ingest at the limits of Redis (issue 7): a subscriber Redis cuts off under a flood, and Redis
 * refusing accepted tasks (out of memory). Each test has its own redis-server, set at run time.
 */
jest.setTimeout(60_000);

const PREFIX = 'limits-e2e:';
const CHANNEL = `${PREFIX}messageQ`;
const TASKS = `{${PREFIX}}tasks`;
/** Redis's default for pub/sub clients: 32 MB hard, 8 MB for 60 s. */
const DEFAULT_PUBSUB_LIMIT = 'pubsub 33554432 8388608 60';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Tasks due in an hour: stored, never run during the test. Padded to weigh on the buffers. */
function laterTasks(count: number): string[] {
  const toRunAt = unixSeconds(Date.now() + 3_600_000);
  return Array.from({ length: count }, () =>
    JSON.stringify({
      ID: newTaskId(),
      Name: 'OncePingTask',
      ToRunAt: toRunAt,
      Url: `http://127.0.0.1:1/${'x'.repeat(150)}`,
    }),
  );
}

const count = (text: string, pattern: RegExp): number =>
  text.match(new RegExp(pattern, 'g'))?.length ?? 0;

describe('ingest at the limits of Redis (real redis-server)', () => {
  let redisServer: RedisServerProcess;
  let redis: Redis;
  let ping: PingServer;
  let service: ServiceProcess;
  let httpPort: number;

  beforeAll(async () => {
    ping = new PingServer();
    await ping.start();
  });

  beforeEach(async () => {
    redisServer = await RedisServerProcess.start();
    redis = new Redis(redisServer.url);
  });

  afterEach(async () => {
    await service?.stop();
    redis?.disconnect();
    await redisServer?.dispose();
  });

  afterAll(async () => {
    await ping?.stop();
  });

  async function startService(env: Record<string, string> = {}): Promise<void> {
    httpPort = await freePort();
    service = new ServiceProcess({
      REDIS_URL: redisServer.url,
      DELAYTASK_PREFIX: PREFIX,
      DELAYTASK_HTTP_PORT: String(httpPort),
      ...env,
    });
    await service.start();
  }

  async function pubsubDisconnects(): Promise<number> {
    const response = await fetch(`http://127.0.0.1:${httpPort}/health`);
    return ((await response.json()) as { pubsubDisconnects: number }).pubsubDisconnects;
  }

  async function expectTaskRuns(): Promise<void> {
    const id = newTaskId();
    const task = { ID: id, Name: 'OncePingTask', ToRunAfter: '0.2', Url: ping.url(id) };
    await publishRaw(redis, CHANNEL, [JSON.stringify(task)]);
    await eventually(() => ping.count(id) === 1, `task ${id} to run`);
  }

  it('logs and counts a subscriber cut off under a flood, keeps running, subscribes again', async () => {
    await startService();
    await redis.config('SET', 'client-output-buffer-limit', 'pubsub 65536 0 0');
    await publishRaw(redis, CHANNEL, laterTasks(150_000));
    await service.waitForLog(
      /ERROR \[DelayTaskTransport\] Lost the subscription to limits-e2e:messageQ .*messages published on it until this instance subscribes again are lost/,
    );
    await service.waitForLog(/Subscribed to limits-e2e:messageQ again/);
    expect(service.running).toBe(true);
    expect(await pubsubDisconnects()).toBeGreaterThanOrEqual(1);
    await redis.config('SET', 'client-output-buffer-limit', DEFAULT_PUBSUB_LIMIT);
    await expectTaskRuns();
  });

  it('stops reading while Redis is out of memory, says so once at error level, then takes every task', async () => {
    await startService({ DELAYTASK_INGEST_BUFFER_BYTES: String(1024 * 1024) });
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', String(used + 64 * 1024));
    const tasks = laterTasks(20_000);
    await publishRaw(redis, CHANNEL, tasks);
    await service.waitForLog(
      /ERROR \[TaskIngestService\] Cannot store accepted tasks in Redis .*OOM command not allowed.*Redis is out of memory/,
    );
    await service.waitForLog(
      /ERROR \[TaskIngestService\] Stopped reading limits-e2e:messageQ: .*more than the ingest buffer of 1\.0 MiB/,
    );
    await sleep(1000); // several retries, each refused
    expect(count(service.logs, /Cannot store accepted tasks in Redis/)).toBe(1);
    expect(count(service.logs, /Stopped reading/)).toBe(1);

    await redis.config('SET', 'maxmemory', '0');
    await eventually(
      async () => (await redis.hlen(TASKS)) === tasks.length,
      `all ${tasks.length} tasks to be stored`,
      30_000,
    );
    expect(service.logs).toMatch(/Can store accepted tasks in Redis again/);
    await service.waitForLog(/Reading limits-e2e:messageQ steadily again, after \d+ pause\(s\)/);
    expect(count(service.logs, /Stopped reading/)).toBe(1);
    expect(await pubsubDisconnects()).toBe(0);
    await expectTaskRuns();
  });
});
