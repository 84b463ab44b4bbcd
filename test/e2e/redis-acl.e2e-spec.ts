import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { SCRIPTS_FOLDER } from '../../src/store/load-scripts';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { freePort, RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/*
 * The README's Security section quotes these two commands word for word (bar the passwords):
 * this spec is how they are checked against Redis 7.
 */
const PRODUCER_ACL =
  'ACL SETUSER producer on >producer-secret resetchannels &remote-task0:messageQ ' +
  'resetkeys ~remote-task0:messageQ -@all +publish +xadd';
const SERVICE_ACL =
  'ACL SETUSER delaytask on >service-secret resetkeys ~{remote-task0:}* ~remote-task0:messageQ ' +
  'resetchannels &remote-task0:messageQ &remote-task0:control -@all ' +
  '+ping +info +select +time +subscribe +publish +evalsha +eval +hlen +zcard +llen +sadd ' +
  '+hgetall +lrange +xpending +xlen ' +
  '+xgroup +xreadgroup +xautoclaim +xack +xdel ' +
  '+get +incr +incrby +decrby +hget +hset +hdel +hexists +hincrby +hstrlen +lpush +rpop ' +
  '+zadd +zrem +zscore +zcount +zrange +zrangebyscore +zremrangebyrank +exists +set';

const CHANNEL = 'remote-task0:messageQ';
let nextId = 1_000_000_000_000;
const newId = (): string => String(nextId++);

/** Every command the store's Lua scripts call, upper-cased (`redis.call('ZADD', …)`). */
function scriptCommands(folder: string): Set<string> {
  const commands = new Set<string>();
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.lua')) continue;
    const lua = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, name] of lua.matchAll(/call\(\s*'([A-Za-z]+)'/g))
      commands.add(name.toUpperCase());
  }
  return commands;
}

function granted(acl: string): Set<string> {
  return new Set(
    acl.split(' ').flatMap((rule) => (/^\+\w+$/.test(rule) ? [rule.slice(1).toUpperCase()] : [])),
  );
}

describe('Redis ACLs for producers and for the service (real redis-server 7)', () => {
  let redisServer: RedisServerProcess;
  let admin: Redis;
  let producer: Redis;
  let ping: PingServer;
  let service: ServiceProcess;
  let httpPort = 0;

  const serviceEnv = (): Record<string, string> => ({
    // A database index as well, so that SELECT is exercised under the ACL.
    REDIS_URL: `redis://delaytask:service-secret@127.0.0.1:${redisServer.port}/1`,
    DELAYTASK_HTTP_PORT: String(httpPort),
  });
  /** Denials the server logged for `user` (ACL LOG keeps the latest 128). */
  const denials = async (user: string): Promise<string[]> => {
    const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
    return entries
      .map((entry) => Object.fromEntries(chunk(entry)) as Record<string, unknown>)
      .filter((entry) => entry.username === user)
      .map((entry) => `${String(entry.reason)} ${String(entry.object)}`);
  };

  beforeAll(async () => {
    redisServer = await RedisServerProcess.start();
    admin = new Redis(redisServer.url);
    for (const acl of [PRODUCER_ACL, SERVICE_ACL]) {
      const [, ...args] = acl.split(' ');
      await admin.call('ACL', ...args);
    }
    // ioredis's ready check sends INFO, which a publish-only user may not run.
    producer = new Redis(`redis://producer:producer-secret@127.0.0.1:${redisServer.port}`, {
      enableReadyCheck: false,
    });
    ping = new PingServer();
    await ping.start();
    httpPort = await freePort();
    service = new ServiceProcess(serviceEnv());
    await service.start();
  });

  afterAll(async () => {
    await service?.stop();
    producer?.disconnect();
    admin?.disconnect();
    await ping?.stop();
    await redisServer?.dispose();
  });

  it('lets a producer publish on the task channel, append to the stream, and do nothing else', async () => {
    expect(await producer.publish(CHANNEL, '{}')).toBe(1);
    expect(await producer.xadd(CHANNEL, '*', 'task', '{}')).toMatch(/^\d+-\d+$/);
    await expect(producer.call('XRANGE', CHANNEL, '-', '+')).rejects.toThrow(/NOPERM/);
    await expect(producer.publish('another-channel', '{}')).rejects.toThrow(/NOPERM/);
    await expect(producer.get('{remote-task0:}tasks')).rejects.toThrow(/NOPERM/);
    await expect(producer.call('HGETALL', '{remote-task0:}tasks')).rejects.toThrow(/NOPERM/);
    await expect(producer.call('SCAN', '0')).rejects.toThrow(/NOPERM/);
    await expect(producer.call('SUBSCRIBE', CHANNEL)).rejects.toThrow(/NOPERM/);
  });

  it('runs the service under its own user without a denied command', async () => {
    const once = newId();
    const periodic = newId();
    const failing = newId();
    const start = Date.now() + 300;
    await publishRaw(producer, CHANNEL, [
      JSON.stringify({
        ID: once,
        Name: 'OncePingTask',
        ToRunAt: unixSeconds(start),
        Url: ping.url(once),
      }),
      JSON.stringify({
        ...{ ID: periodic, Name: 'PeriodPingTask', ToRunAt: unixSeconds(start) },
        ...{ Interval: '0.2', EndTime: unixSeconds(start + 600), Url: ping.url(periodic) },
      }),
      JSON.stringify({
        ID: failing,
        Name: 'OncePingTask',
        ToRunAt: unixSeconds(start),
        Url: 'http://127.0.0.1:1/',
      }),
      'not json: dead-lettered',
    ]);
    await eventually(() => ping.count(once) === 1 && ping.count(periodic) >= 3, 'the tasks to run');
    const health = (await (await fetch(`http://127.0.0.1:${httpPort}/health`)).json()) as {
      tasks: Record<string, number>;
    };
    expect(health.tasks.failed).toBe(1);
    expect(health.tasks.dead).toBeGreaterThanOrEqual(1);

    // Claimed but not started when SIGTERM comes: given back, then run by the next instance.
    const later = newId();
    const laterAt = Date.now() + 1500;
    await publishRaw(producer, CHANNEL, [
      JSON.stringify({
        ID: later,
        Name: 'OncePingTask',
        ToRunAt: unixSeconds(laterAt),
        Url: ping.url(later),
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await service.stop()).toBe(0);
    service = new ServiceProcess(serviceEnv());
    await service.start();
    await eventually(() => ping.count(later) === 1, 'the given-back task to run');

    expect(service.logs).not.toMatch(/NOPERM/);
    expect(await denials('delaytask')).toEqual([]);
  });

  it('grants every command the store scripts call', () => {
    const missing = [...scriptCommands(SCRIPTS_FOLDER)].filter(
      (name) => !granted(SERVICE_ACL).has(name),
    );
    expect(missing).toEqual([]);
  });
});

function chunk(flat: unknown[]): [unknown, unknown][] {
  const pairs: [unknown, unknown][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  return pairs;
}
