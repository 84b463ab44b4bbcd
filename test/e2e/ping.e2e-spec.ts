import Redis from 'ioredis';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

const PREFIX = 'ping:';
const CHANNEL = `${PREFIX}messageQ`;

describe('the ping examples in the service (real redis-server, built service process)', () => {
  let redisServer: RedisServerProcess;
  let redis: Redis;
  const allowed = new PingServer();
  const other = new PingServer();
  let service: ServiceProcess;

  beforeAll(async () => {
    redisServer = await RedisServerProcess.start();
    redis = new Redis(redisServer.url);
    await Promise.all([allowed.start(), other.start()]);
  });

  afterAll(async () => {
    await service?.stop();
    redis?.disconnect();
    await Promise.all([allowed.stop(), other.stop()]);
    await redisServer?.dispose();
  });

  it('pings only the hosts of DELAYTASK_PING_ALLOW and records why it refused another', async () => {
    service = new ServiceProcess({
      REDIS_URL: redisServer.url,
      DELAYTASK_PREFIX: PREFIX,
      DELAYTASK_PING_ALLOW: new URL(allowed.url('')).host,
    });
    await service.start();
    const at = unixSeconds(Date.now() + 200);
    await publishRaw(redis, CHANNEL, [
      JSON.stringify({
        ID: '1000000000001',
        Name: 'OncePingTask',
        ToRunAt: at,
        url: allowed.url('a'),
      }),
      JSON.stringify({
        ID: '1000000000002',
        Name: 'OncePingTask',
        ToRunAt: at,
        Url: other.url('b'),
      }),
    ]);
    await eventually(() => allowed.count('a') === 1, 'the allowed ping');
    await eventually(
      async () => (await redis.hget(`{${PREFIX}}failures`, '1000000000002')) !== null,
      'the refused ping recorded as failed',
    );
    const failure = await redis.hget(`{${PREFIX}}failures`, '1000000000002');
    expect(failure).toContain(
      `refused: host ${new URL(other.url('')).host} is not in DELAYTASK_PING_ALLOW`,
    );
    expect(other.hits).toEqual([]);
  });

  it('lets a ping in flight at SIGTERM finish: its connection outlives the drain', async () => {
    await service?.stop();
    service = new ServiceProcess({ REDIS_URL: redisServer.url, DELAYTASK_PREFIX: PREFIX });
    await service.start();
    allowed.delayMs = 1500;
    const id = '1000000000003';
    await publishRaw(redis, CHANNEL, [
      JSON.stringify({
        ID: id,
        Name: 'OncePingTask',
        ToRunAt: unixSeconds(Date.now()),
        Url: allowed.url(id),
      }),
    ]);
    await eventually(() => allowed.count(id) === 1, 'the ping to be in flight');

    expect(await service.stop()).toBe(0);

    const [hit] = allowed.hits.filter((h) => h.key === id);
    expect(hit.abortedAt).toBeUndefined();
    expect(hit.finishedAt).toBeDefined();
    expect(await redis.hget(`{${PREFIX}}failures`, id)).toBeNull();
    expect(await redis.hexists(`{${PREFIX}}tasks`, id)).toBe(0);
    allowed.delayMs = 0;
  });

  it('refuses to start with a bad DELAYTASK_PING_ALLOW, naming it', async () => {
    const starting = new ServiceProcess({
      REDIS_URL: redisServer.url,
      DELAYTASK_PREFIX: PREFIX,
      DELAYTASK_PING_ALLOW: 'http://example.com/',
    });
    await expect(starting.start(15_000)).rejects.toThrow(/service exited before logging/);
    expect(await starting.stop()).toBe(1);
    expect(starting.logs).toMatch(/DELAYTASK_PING_ALLOW="http:\/\/example\.com\/" is invalid/);
  });
});
