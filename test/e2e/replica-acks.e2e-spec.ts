import { Redis } from 'ioredis';
import {
  createRedisClient,
  ReplicaAckError,
  TaskKeys,
  TaskStore,
  type AcceptItem,
} from '../../src/store';
import { partitionOf } from '../../src/store/partition-of';
import { eventually } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { STORE_LIMITS } from '../support/store-limits';

/**
 * DELAYTASK_REPLICA_ACKS: an accept is acknowledged only once that many replicas have it (WAIT on
 * the connection that ran the script). Against a real primary with one replica, and a lone server.
 */
const PREFIX = 'remote-task0:';
const LEASE = 30_000;

let primary: RedisServerProcess;
let replica: RedisServerProcess;
let lone: RedisServerProcess;
const clients: Redis[] = [];

const connect = (server: RedisServerProcess): Redis => {
  const client = createRedisClient({
    host: '127.0.0.1',
    port: server.port,
    maxRetriesPerRequest: 1,
  });
  clients.push(client);
  return client;
};

const items = (count: number, dueMs: number): AcceptItem[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    record: JSON.stringify({ id: `r${i}`, name: 'OncePingTask', payload: {} }),
    dueMs,
  }));

beforeAll(async () => {
  [primary, replica, lone] = await Promise.all([
    RedisServerProcess.start(),
    RedisServerProcess.start(),
    RedisServerProcess.start(),
  ]);
  const toReplica = connect(replica);
  await toReplica.call('REPLICAOF', '127.0.0.1', String(primary.port));
  await eventually(
    async () => /master_link_status:up/.test(await toReplica.info('replication')),
    'the replica to sync with its primary',
  );
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
  await Promise.all([primary, replica, lone].map((server) => server?.dispose()));
});

describe('replicaAcks', () => {
  it('acknowledges an accept once the replica has it, in every partition', async () => {
    const redis = connect(primary);
    await redis.flushall();
    const store = new TaskStore(redis, new TaskKeys(PREFIX), {
      ...STORE_LIMITS,
      partitions: 4,
      replicaAcks: 1,
      replicaAckTimeoutMs: 5000,
    });
    const now = await store.redisTime();

    const { results } = await store.acceptTasks('a', null, LEASE, items(100, now + 60_000));

    expect(results.every((r) => r.status === 'stored')).toBe(true);
    // Acknowledged means on the replica already: read it there at once.
    const onReplica = connect(replica);
    for (let p = 0; p < 4; p++) {
      const expected = items(100, 0).filter((item) => partitionOf(item.id, 4) === p).length;
      expect(await onReplica.hlen(`{${PREFIX}${p}}tasks`)).toBe(expected);
    }
  });

  it('fails with ReplicaAckError when fewer replicas than asked answer in time', async () => {
    const store = new TaskStore(connect(primary), new TaskKeys(PREFIX), {
      ...STORE_LIMITS,
      replicaAcks: 2,
      replicaAckTimeoutMs: 300,
    });
    const now = await store.redisTime();
    const accept = store.acceptTasks('a', null, LEASE, items(3, now));

    await expect(accept).rejects.toThrow(ReplicaAckError);
    await expect(accept).rejects.toThrow('1 of 2 replica(s) acknowledged within 300 ms');
  });

  it('fails, within about its timeout, on a server without replicas', async () => {
    const store = new TaskStore(connect(lone), new TaskKeys(PREFIX), {
      ...STORE_LIMITS,
      replicaAcks: 1,
      replicaAckTimeoutMs: 1000,
    });
    const now = await store.redisTime();
    const started = Date.now();

    const error = await store.acceptTasks('a', null, LEASE, items(1, now)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ReplicaAckError);
    expect(String(error)).toBe('ReplicaAckError: 0 of 1 replica(s) acknowledged within 1000 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('asks for nothing with replicaAcks 0; an accept retried after the error is a duplicate', async () => {
    // The failed accept above wrote r0 on the master: accepting it again is safe.
    const store = new TaskStore(connect(lone), new TaskKeys(PREFIX), STORE_LIMITS);
    const now = await store.redisTime();
    const { results } = await store.acceptTasks('a', null, LEASE, items(1, now + 60_000));
    expect(results).toEqual([{ status: 'duplicate' }]);
  });
});
