import { Redis } from 'ioredis';
import { createRedisClient, TaskKeys, TaskStore } from '../../src/store';
import { eventually } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { STORE_LIMITS } from '../support/store-limits';

/**
 * Leases lapse while Redis is down as well, with nobody to blame: after a restart, reclaimExpired
 * takes none over until Redis has been up the grace it is given (the sweeper gives a lease), so
 * that the live holders, back too, renew theirs first.
 */
const OWNER = 'instance-a';
const GRACE_MS = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServerProcess;
let redis: Redis;
let store: TaskStore;

beforeAll(async () => {
  server = await RedisServerProcess.start({ appendonly: true });
  redis = createRedisClient({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
  store = new TaskStore(redis, new TaskKeys(), STORE_LIMITS);
});

afterAll(async () => {
  redis.disconnect();
  await server.dispose();
});

it('after a Redis restart, takes over no lease that lapsed meanwhile until Redis has been up the grace; a holder renews its own meanwhile', async () => {
  const now = await store.redisTime();
  const record = (id: string) => JSON.stringify({ id, name: 'OncePingTask', payload: {} });
  const { results } = await store.acceptTasks(OWNER, 10_000, 500, [
    { id: 'renewed', record: record('renewed'), dueMs: now },
    { id: 'abandoned', record: record('abandoned'), dueMs: now },
  ]);
  const [renewed] = results.map(({ token }) => token ?? 0);

  await server.kill();
  await sleep(1000);
  await server.restart();
  await eventually(async () => (await redis.ping()) === 'PONG', 'Redis to answer again');
  const keys = new TaskKeys();
  const lapsed = await redis.zrangebyscore(keys.leased, '-inf', await store.redisTime());
  expect(lapsed.sort()).toEqual(['abandoned', 'renewed']);

  expect(await store.reclaimExpired(100, GRACE_MS)).toBe(0);
  expect(await store.renewLeases(30_000, [{ id: 'renewed', token: renewed }])).toEqual([]);
  // Redis counts its uptime in whole seconds.
  await sleep(GRACE_MS + 1000);
  expect(await store.reclaimExpired(100, GRACE_MS)).toBe(1);
  expect(await redis.zrange(keys.due, 0, -1)).toEqual(['abandoned']);
  expect(await redis.hget(keys.lease, 'renewed')).toMatch(new RegExp(`^${renewed}\\|`));
});
