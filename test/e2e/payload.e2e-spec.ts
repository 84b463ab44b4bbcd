import Redis from 'ioredis';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

const PREFIX = 'payload:';
const CHANNEL = `${PREFIX}messageQ`;
const DEAD = `{${PREFIX}}dead`;
const INVALID_URL = 'payload is invalid: Url must be a URL address';

interface DeadLetter {
  readonly reason: string;
  readonly id?: string;
  readonly message: string;
}

describe('payload classes in the service: the ping tasks’ Url is checked at ingest', () => {
  let redisServer: RedisServerProcess;
  let redis: Redis;
  const ping = new PingServer();
  let service: ServiceProcess;

  beforeAll(async () => {
    redisServer = await RedisServerProcess.start();
    redis = new Redis(redisServer.url);
    await ping.start();
    service = new ServiceProcess({ REDIS_URL: redisServer.url, DELAYTASK_PREFIX: PREFIX });
    await service.start();
  });

  afterAll(async () => {
    await service?.stop();
    redis?.disconnect();
    await ping.stop();
    await redisServer?.dispose();
  });

  async function deadLetters(): Promise<DeadLetter[]> {
    return (await redis.lrange(DEAD, 0, -1)).map((entry) => JSON.parse(entry) as DeadLetter);
  }

  it('dead-letters a bad Url at once with the validator’s message, never runs it, runs a good one', async () => {
    const dueMs = Date.now() + 1500;
    const soon = unixSeconds(dueMs);
    const bad = [
      { ID: '1', Name: 'OncePingTask', ToRunAt: soon, Url: 'ftp://x' },
      { ID: '2', Name: 'PeriodPingTask', ToRunAt: soon, Interval: '1', Url: 5 },
    ].map((task) => JSON.stringify(task));
    // Spelled `url`, as the seed's decoder allows; published after the bad ones, on one connection.
    const good = JSON.stringify({
      ID: '3',
      Name: 'OncePingTask',
      ToRunAt: soon,
      url: ping.url('3'),
    });
    await publishRaw(redis, CHANNEL, [...bad, good]);

    await eventually(async () => (await deadLetters()).length === 2, 'two dead letters', 5000);
    // Rejected as they arrived, not when due.
    expect(Date.now()).toBeLessThan(dueMs);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({ id: '2', reason: INVALID_URL, message: bad[1] }),
      expect.objectContaining({ id: '1', reason: INVALID_URL, message: bad[0] }),
    ]);
    // Ingest writes accepted tasks before dead letters: had they been accepted, they'd be stored.
    for (const id of ['1', '2']) expect(await redis.hexists(`{${PREFIX}}tasks`, id)).toBe(0);
    expect(await redis.hexists(`{${PREFIX}}tasks`, '3')).toBe(1);

    await eventually(() => ping.count('3') === 1, 'the good ping', 5000);
    await eventually(
      async () => (await redis.hexists(`{${PREFIX}}tasks`, '3')) === 0,
      'the good task done',
      5000,
    );
    for (const id of ['1', '2']) expect(await redis.hget(`{${PREFIX}}failures`, id)).toBeNull();
    expect(ping.hits.map((hit) => hit.key)).toEqual(['3']);
    expect(service.logs).toMatch(/Rejected task 1 \(seed format\): payload is invalid: Url must/);
  });
});
