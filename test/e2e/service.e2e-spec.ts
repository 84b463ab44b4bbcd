import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import Redis from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

const PREFIX = 'e2e:';
const CHANNEL = `${PREFIX}messageQ`;
const PASSWORD = 'uestc12345-not-for-logs';
let nextId = 1_000_000_000_000;
const newId = (): string => String(nextId++);

describe('delaytask service (real redis-server, built service process)', () => {
  let redisServer: RedisServerProcess;
  let redis: Redis;
  let ping: PingServer;
  let service: ServiceProcess;

  const redisUrl = (): string => `redis://:${PASSWORD}@127.0.0.1:${redisServer.port}`;
  const env = (): Record<string, string> => ({
    REDIS_URL: redisUrl(),
    DELAYTASK_PREFIX: PREFIX,
    DELAYTASK_LEASE_MS: '2000',
  });

  const onceTask = (id: string, dueMs: number): Record<string, string> => ({
    ID: id,
    Name: 'OncePingTask',
    ToRunAt: unixSeconds(dueMs),
    Timeout: '2',
    Url: ping.url(id),
  });

  beforeAll(async () => {
    redisServer = await RedisServerProcess.start({ appendonly: true });
    // Set the password at run time: the harness's readiness probe speaks without AUTH.
    const admin = new Redis(redisServer.url);
    await admin.config('SET', 'requirepass', PASSWORD);
    admin.disconnect();
    redis = new Redis(redisUrl());
    ping = new PingServer();
    await ping.start();
    service = new ServiceProcess(env());
    await service.start();
  });

  afterAll(async () => {
    await service?.stop();
    redis?.disconnect();
    await ping?.stop();
    await redisServer?.dispose();
  });

  it('runs a seed-format once task once, not before ToRunAt', async () => {
    const id = newId();
    const dueMs = Date.now() + 800;
    await publishRaw(redis, CHANNEL, [JSON.stringify(onceTask(id, dueMs))]);
    await eventually(() => ping.count(id) === 1, `task ${id} to run`);
    expect(ping.hits.find((hit) => hit.key === id)!.at).toBeGreaterThanOrEqual(dueMs);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(ping.count(id)).toBe(1);
  });

  it('takes tasks emitted with Nest ClientProxy, once and periodic', async () => {
    const client: ClientProxy = ClientProxyFactory.create({
      transport: Transport.REDIS,
      options: { host: '127.0.0.1', port: redisServer.port, password: PASSWORD },
    });
    await client.connect();
    const onceId = newId();
    const periodicId = newId();
    const start = Date.now() + 500;
    await lastValueFrom(client.emit(CHANNEL, onceTask(onceId, start)));
    await lastValueFrom(
      client.emit(CHANNEL, {
        ID: periodicId,
        Name: 'PeriodPingTask',
        ToRunAt: unixSeconds(start),
        Interval: '0.5',
        EndTime: unixSeconds(start + 1200),
        // A task may carry its own `data` field: it must not be mistaken for an envelope.
        data: { note: 'handler field' },
        Url: ping.url(periodicId),
      }),
    );
    await client.close();
    await eventually(() => ping.count(onceId) === 1, 'the emitted once task');
    await eventually(() => ping.count(periodicId) === 3, 'three periodic runs (0, 0.5 s, 1 s)');
    const runs = ping.hits.filter((hit) => hit.key === periodicId).map((hit) => hit.at - start);
    runs.forEach((offset, k) => expect(offset).toBeGreaterThanOrEqual(k * 500));
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(ping.count(periodicId)).toBe(3);
  });

  it('stores a resubmitted ID once, runs it once, and ignores it after it ran', async () => {
    const id = newId();
    const message = JSON.stringify(onceTask(id, Date.now() + 600));
    await publishRaw(redis, CHANNEL, [message, message, message]);
    await eventually(() => ping.count(id) === 1, `task ${id} to run`);
    await publishRaw(redis, CHANNEL, [message]);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(ping.count(id)).toBe(1);
  });

  it('reschedules when the same ID arrives with a new ToRunAt', async () => {
    const id = newId();
    const first = Date.now() + 1500;
    const second = Date.now() + 700;
    await publishRaw(redis, CHANNEL, [JSON.stringify(onceTask(id, first))]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await publishRaw(redis, CHANNEL, [JSON.stringify(onceTask(id, second))]);
    await eventually(() => ping.count(id) === 1, `task ${id} to run at its new time`);
    expect(ping.hits.find((hit) => hit.key === id)!.at).toBeLessThan(first);
    await new Promise((resolve) => setTimeout(resolve, first - Date.now() + 500));
    expect(ping.count(id)).toBe(1);
  });

  it('dead-letters bad input with its reason and keeps serving valid tasks', async () => {
    const deadBefore = await redis.llen(`{${PREFIX}}dead`);
    const good = [newId(), newId()];
    const dueMs = Date.now() + 700;
    const bad = [
      '{"ID": "1", "Name": "OncePingTask", ',
      JSON.stringify({ ID: newId(), ToRunAt: unixSeconds(dueMs), Url: ping.url('x') }),
      JSON.stringify({ ID: newId(), Name: 'NoSuchTask', ToRunAt: unixSeconds(dueMs) }),
      JSON.stringify({
        ID: newId(),
        Name: 'OncePingTask',
        ToRunAt: 'tomorrow',
        Url: ping.url('y'),
      }),
      JSON.stringify({
        ID: newId(),
        Name: 'OncePingTask',
        ToRunAt: '99999999999',
        Url: ping.url('z'),
      }),
      JSON.stringify({ ...onceTask(newId(), dueMs), Url: 'x'.repeat(2 * 1024 * 1024) }),
    ];
    await publishRaw(redis, CHANNEL, [
      bad[0],
      JSON.stringify(onceTask(good[0], dueMs)),
      ...bad.slice(1),
      JSON.stringify(onceTask(good[1], dueMs)),
    ]);
    for (const id of good) await eventually(() => ping.count(id) === 1, `valid task ${id}`);
    await eventually(
      async () => (await redis.llen(`{${PREFIX}}dead`)) === deadBefore + bad.length,
      'every bad message in the dead-letter list',
    );
    const reasons = (await redis.lrange(`{${PREFIX}}dead`, 0, bad.length - 1)).map(
      (entry) => (JSON.parse(entry) as { reason: string }).reason,
    );
    expect(reasons.join('\n')).toMatch(/malformed JSON/);
    expect(reasons.join('\n')).toMatch(/Name/);
    expect(reasons.join('\n')).toMatch(/unknown task name "NoSuchTask"/);
    expect(reasons.join('\n')).toMatch(/ToRunAt/);
    expect(reasons.join('\n')).toMatch(/exceeds the limit/);
    expect(service.logs).toMatch(/Rejected .*unknown task name "NoSuchTask"/);
    expect(ping.count('x') + ping.count('y') + ping.count('z')).toBe(0);
  });

  it('runs a seed-format periodic task on its fixed grid until EndTime', async () => {
    const id = newId();
    const start = Date.now() + 600;
    const message = {
      ID: id,
      Name: 'PeriodPingTask',
      ToRunAt: unixSeconds(start),
      Timeout: '1',
      Interval: '0.4',
      EndTime: unixSeconds(start + 1000),
      Url: ping.url(id),
    };
    await publishRaw(redis, CHANNEL, [JSON.stringify(message)]);
    await eventually(() => ping.count(id) === 3, 'runs at 0, 0.4 and 0.8 s');
    const offsets = ping.hits.filter((hit) => hit.key === id).map((hit) => hit.at - start);
    offsets.forEach((offset, k) => expect(offset).toBeGreaterThanOrEqual(k * 400));
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(ping.count(id)).toBe(3);
    expect(await redis.hexists(`{${PREFIX}}tasks`, id)).toBe(0);
  });

  it('aborts a run at its Timeout, records it as timed out and frees the slot', async () => {
    const silent = createServer(() => undefined); // accepts requests, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    try {
      const dueMs = Date.now() + 500;
      // More hanging tasks than the default concurrency (the CPU count) plus one that must still run.
      const hanging = Array.from({ length: 4 }, newId);
      const after = newId();
      await publishRaw(redis, CHANNEL, [
        ...hanging.map((id) =>
          JSON.stringify({ ...onceTask(id, dueMs), Timeout: '0.3', Url: silentUrl }),
        ),
        JSON.stringify(onceTask(after, dueMs + 50)),
      ]);
      await eventually(() => ping.count(after) === 1, 'the task queued behind the hanging ones');
      await eventually(
        async () => (await redis.zscore(`{${PREFIX}}failed`, hanging[3])) !== null,
        'the timed-out tasks in the failed set',
      );
      for (const id of hanging) {
        const failure = JSON.parse((await redis.hget(`{${PREFIX}}failures`, id)) ?? '{}') as {
          outcome?: string;
          error?: string;
        };
        expect(failure.outcome).toBe('timeout');
        expect(failure.error).toMatch(/timed out after 300 ms/);
      }
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('keeps a once task whose handler throws in the failed set with its error', async () => {
    const id = newId();
    await publishRaw(redis, CHANNEL, [
      JSON.stringify({ ...onceTask(id, Date.now() + 300), Url: 'http://127.0.0.1:1/refused' }),
    ]);
    await eventually(
      async () => (await redis.zscore(`{${PREFIX}}failed`, id)) !== null,
      'the failed task in the failed set',
    );
    const failure = JSON.parse((await redis.hget(`{${PREFIX}}failures`, id)) ?? '{}') as {
      outcome?: string;
      error?: string;
    };
    expect(failure.outcome).toBe('error');
    expect(failure.error).toMatch(/fetch failed|ECONNREFUSED/);
    expect(await redis.hexists(`{${PREFIX}}tasks`, id)).toBe(1);
  });

  it('keeps the Redis password out of its logs', () => {
    expect(service.logs).toMatch(/Using Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
    expect(service.logs).not.toContain(PASSWORD);
  });

  it('after kill -9, a restarted service runs every accepted task exactly once', async () => {
    const ids = Array.from({ length: 200 }, newId);
    const dueMs = Date.now() + 1500;
    await publishRaw(
      redis,
      CHANNEL,
      ids.map((id, i) => JSON.stringify(onceTask(id, dueMs + i))),
    );
    await eventually(
      async () => (await redis.hlen(`{${PREFIX}}tasks`)) >= ids.length,
      'the tasks to be stored',
    );
    await service.kill();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueMs + 1000 - Date.now())));
    expect(ids.every((id) => ping.count(id) === 0)).toBe(true);
    service = new ServiceProcess(env());
    await service.start();
    await eventually(() => ids.every((id) => ping.count(id) >= 1), 'every task after the restart');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(ids.filter((id) => ping.count(id) !== 1)).toEqual([]);
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    expect(await service.stop()).toBe(0);
    expect(service.logs).toMatch(/gave back \d+ claimed task/);
    service = new ServiceProcess(env());
    await service.start();
  });
});
