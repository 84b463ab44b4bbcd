import Redis from 'ioredis';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

const PREFIX = 'conn:';
const CHANNEL = `${PREFIX}messageQ`;

/** Keys of this service in database `db`, found by scanning (never KEYS on a server in use). */
async function ourKeys(admin: Redis, db: number): Promise<string[]> {
  await admin.select(db);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `{${PREFIX}}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** A task the service would store at once: due in a minute, so it stays in Redis. */
function laterTask(id: string): string {
  return JSON.stringify({
    ID: id,
    Name: 'OncePingTask',
    ToRunAt: unixSeconds(Date.now() + 60_000),
    Url: 'http://127.0.0.1:9/',
  });
}

/** Starts the service, expecting it to exit on its own with code 1 before it is ready. */
async function expectStartToFail(service: ServiceProcess): Promise<void> {
  await expect(service.start(15_000)).rejects.toThrow(/service exited before logging/);
  expect(await service.stop()).toBe(1);
}

describe('the Redis connection (real redis-server, built service process)', () => {
  const servers: RedisServerProcess[] = [];
  const admins: Redis[] = [];
  const services: ServiceProcess[] = [];

  const server = async (options: { databases?: number } = {}): Promise<RedisServerProcess> => {
    const started = await RedisServerProcess.start(options);
    servers.push(started);
    return started;
  };
  const admin = (url: string): Redis => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    admins.push(client);
    return client;
  };
  const service = (redisUrl: string): ServiceProcess => {
    const started = new ServiceProcess({ REDIS_URL: redisUrl, DELAYTASK_PREFIX: PREFIX });
    services.push(started);
    return started;
  };

  afterEach(async () => {
    await Promise.all(services.splice(0).map((started) => started.kill()));
    for (const client of admins.splice(0)) client.disconnect();
    await Promise.all(servers.splice(0).map((started) => started.dispose()));
  });

  it('stops at start, exit code 1, when Redis refuses the database index, and writes nothing', async () => {
    const redis = await server({ databases: 4 });
    const starting = service(`${redis.url}/99`);
    await expectStartToFail(starting);
    expect(starting.logs).toMatch(
      new RegExp(
        `Redis at redis://127\\.0\\.0\\.1:${redis.port}/99 refused SELECT 99: ERR DB index`,
      ),
    );
    expect(starting.logs).not.toMatch(/Ready|again/);
    const client = admin(redis.url);
    for (let db = 0; db < 4; db++) expect(await client.dbsize()).toBe(0);
  });

  it('stops at start, exit code 1, on a wrong password, and never prints a password', async () => {
    const redis = await server();
    await admin(redis.url).config('SET', 'requirepass', 'right-secret-7f3a');
    const starting = service(`redis://:wrong-secret-91c2@127.0.0.1:${redis.port}/2`);
    await expectStartToFail(starting);
    expect(starting.logs).toMatch(
      new RegExp(
        `Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/2 refused AUTH: WRONGPASS`,
      ),
    );
    expect(starting.logs).not.toMatch(/right-secret|wrong-secret/);
  });

  it('never carries on in database 0 when a restarted Redis refuses the database index', async () => {
    const redis = await server({ databases: 4 });
    const running = service(`${redis.url}/3`);
    await running.start();
    const client = admin(redis.url);
    const db3 = admin(`${redis.url}/3`);
    await publishRaw(client, CHANNEL, [laterTask('1000000000001')]);
    await eventually(async () => (await db3.dbsize()) > 0, 'the first task stored in db 3');
    db3.disconnect();

    await redis.stop();
    await redis.restart({ databases: 2 });
    await running.waitForLog(/refused SELECT 3: ERR DB index is out of range/);
    // Were any client of the service still listening, this task would be stored somewhere.
    await publishRaw(client, CHANNEL, [laterTask('1000000000002')]);
    await eventually(() => !running.running, 'the service to exit');
    expect(await running.stop()).toBe(1);
    expect(running.logs).toMatch(/ERROR .*refused SELECT 3.*This Redis client has stopped/);
    expect(await ourKeys(client, 0)).toEqual([]);
    expect(await ourKeys(client, 1)).toEqual([]);
  });

  it('stops, logged as an error, when Redis refuses the password on a reconnect', async () => {
    const redis = await server();
    const client = admin(redis.url);
    await client.config('SET', 'requirepass', 'first-secret-5d1e');
    await client.auth('first-secret-5d1e');
    const running = service(`redis://:first-secret-5d1e@127.0.0.1:${redis.port}`);
    await running.start();

    await client.config('SET', 'requirepass', 'second-secret-0b7c');
    await client.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await client.client('KILL', 'TYPE', 'pubsub');
    await eventually(() => !running.running, 'the service to exit');
    expect(await running.stop()).toBe(1);
    expect(running.logs).toMatch(/ERROR .*refused AUTH: WRONGPASS.*This Redis client has stopped/);
    expect(running.logs).not.toMatch(/first-secret|second-secret/);
  });
});
