import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { Claim } from '../../src/domain/claim';
import {
  createRedisClient,
  OperationsStore,
  PartitionsMismatchError,
  TaskKeys,
  TaskStore,
  type AcceptItem,
} from '../../src/store';
import { partitionOf } from '../../src/store/partition-of';
import { PingServer } from '../support/ping-server';
import { eventually } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { analyseRuns, formatReport, parseRunLogs } from '../support/run-ledger';
import { ServiceProcess } from '../support/service-process';
import { lastDueMs, pingWorkload, publishAll } from '../support/workload';
import { STORE_LIMITS } from '../support/store-limits';

/**
 * The store with its keys spread over 4 partitions (DELAYTASK_PARTITIONS=4) on one redis-server:
 * every method finds a task in its partition, tokens stay unique, and claiming is fair.
 */
const P = 4;
const PREFIX = 'remote-task0:';
const OWNER = 'instance-a';
const WINDOW = 10_000;
const LEASE = 30_000;
const MINUTE = 60_000;

let server: RedisServerProcess;
let redis: Redis;
let store: TaskStore;
let ops: OperationsStore;

beforeAll(async () => {
  server = await RedisServerProcess.start();
  redis = createRedisClient({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await redis.quit();
  await server.dispose();
});

beforeEach(async () => {
  await redis.flushall();
  store = new TaskStore(redis, new TaskKeys(PREFIX), { ...STORE_LIMITS, partitions: P });
  ops = new OperationsStore(redis, new TaskKeys(PREFIX), P);
});

const tag = (p: number) => `{${PREFIX}${p}}`;
const record = (id: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ id, name: 'OncePingTask', ...fields, payload: { n: id } });
const once = (id: string, dueMs: number): AcceptItem => ({ id, record: record(id), dueMs });
const periodic = (id: string, dueMs: number, intervalMs: number): AcceptItem => ({
  id,
  record: record(id, { intervalMs }),
  dueMs,
  period: { intervalMs },
});

/** `count` IDs that live in partition `p`. */
function idsIn(p: number, count: number, stem = 'task'): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) {
    const id = `${stem}-${i}`;
    if (partitionOf(id, P) === p) ids.push(id);
  }
  return ids;
}

/** Accepts in batches, claiming none (everything goes to due). */
async function acceptAll(items: readonly AcceptItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += 1000) {
    await store.acceptTasks(OWNER, null, LEASE, items.slice(i, i + 1000));
  }
}

/** Accepts tasks due now, claimed at once for OWNER. */
async function acceptNow(items: readonly AcceptItem[]): Promise<Claim[]> {
  const { results } = await store.acceptTasks(OWNER, WINDOW, LEASE, items);
  return items.map((item, i) => ({ id: item.id, dueMs: item.dueMs, token: results[i].token ?? 0 }));
}

describe('keys', () => {
  it('spread over all 4 hash tags; nothing per task on {prefix}, shared keys stay there', async () => {
    const now = await store.redisTime();
    await acceptAll(Array.from({ length: 200 }, (_, i) => once(`k${i}`, now + MINUTE)));
    await store.keepDeadLetter('{"reason":"bad"}', 10, 1 << 20);
    await store.registerTaskTypes(['OncePingTask']);

    const keys = await redis.keys('*');
    for (let p = 0; p < P; p++) {
      expect(keys).toEqual(expect.arrayContaining([`${tag(p)}tasks`, `${tag(p)}due`]));
      expect(await redis.hlen(`${tag(p)}tasks`)).toBeGreaterThan(20);
    }
    expect(keys.filter((key) => key.startsWith(`{${PREFIX}}`)).sort()).toEqual([
      `{${PREFIX}}dead`,
      `{${PREFIX}}deadBytes`,
      `{${PREFIX}}taskTypes`,
    ]);
    expect(await store.counts()).toMatchObject({ tasks: 200, due: 200, dead: 1 });
  });

  it('puts each task in the partition partitionOf names (property, any ID)', async () => {
    const now = await store.redisTime();
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, unit: 'grapheme' }), async (id) => {
        await store.acceptTasks(OWNER, null, LEASE, [once(id, now + MINUTE)]);
        const p = partitionOf(id, P);
        for (let q = 0; q < P; q++) {
          expect(await redis.hexists(`${tag(q)}tasks`, id)).toBe(q === p ? 1 : 0);
        }
        expect((await ops.inspectTask(id))?.state).toBe('pending');
      }),
      { numRuns: 60 },
    );
  });
});

describe('checkPartitions (at start)', () => {
  const storeWith = (partitions: number) =>
    new TaskStore(redis, new TaskKeys(PREFIX), { ...STORE_LIMITS, partitions });

  it('records the number of partitions, and refuses another one', async () => {
    await store.checkPartitions();
    await store.checkPartitions();
    expect(await redis.get(`{${PREFIX}}partitions`)).toBe(String(P));
    await expect(storeWith(16).checkPartitions()).rejects.toThrow(PartitionsMismatchError);
    await expect(storeWith(1).checkPartitions()).rejects.toThrow(
      `Redis holds the tasks of prefix "${PREFIX}" spread over 4 partition(s), but ` +
        'DELAYTASK_PARTITIONS is 1',
    );
  });

  it('takes tasks from before partitions ({prefix}tasks) as one partition', async () => {
    const one = storeWith(1);
    await one.acceptTasks(OWNER, null, LEASE, [once('old', (await one.redisTime()) + MINUTE)]);
    await expect(store.checkPartitions()).rejects.toThrow(PartitionsMismatchError);
    await one.checkPartitions();
    expect(await redis.get(`{${PREFIX}}partitions`)).toBe('1');
  });
});

describe('a task through its life', () => {
  it('runs once tasks of every partition once: accept → claim → start → complete', async () => {
    const now = await store.redisTime();
    const items = Array.from({ length: 40 }, (_, i) => once(`o${i}`, now));
    await acceptAll(items);

    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 1000);
    expect(claims.map((c) => c.id).sort()).toEqual(items.map((i) => i.id).sort());
    const { started, stale, later } = await store.startRuns(LEASE, claims);
    expect(started).toHaveLength(40);
    expect(stale).toEqual([]);
    expect(later).toEqual([]);
    expect(await store.renewLeases(LEASE, claims)).toEqual([]);

    const results = await store.completeRuns(
      OWNER,
      WINDOW,
      LEASE,
      started.map(({ id, token }) => ({ id, token, outcome: 'ok' as const })),
    );
    expect(results.every((r) => r.code === 'done')).toBe(true);
    expect(await store.startRuns(LEASE, claims)).toMatchObject({ started: [] });
    expect((await ops.inspectTask('o7'))?.state).toBe('done');
    expect(await ops.stats()).toMatchObject({ pending: 0, running: 0, done: 40 });
    // A resubmission finds the submission that ran, in its partition.
    const again = await store.acceptTasks(OWNER, WINDOW, LEASE, [items[7]]);
    expect(again.results).toEqual([{ status: 'completed' }]);
  });

  it('takes periodic tasks to their next occurrence, claimed with a token of their partition', async () => {
    const now = await store.redisTime();
    const items = [0, 1, 2, 3].map((p) => periodic(idsIn(p, 1, 'per')[0], now, 1000));
    const claims = await acceptNow(items);
    expect(claims.every((c) => c.token > 0)).toBe(true);

    const { started } = await store.startRuns(LEASE, claims);
    expect(started).toHaveLength(4);
    const next = await store.completeRuns(
      OWNER,
      WINDOW,
      LEASE,
      started.map(({ id, token, dueMs }) => ({
        id,
        token,
        outcome: 'ok' as const,
        schedule: { nextMs: dueMs + 1000, missed: 0 },
      })),
    );
    expect(next.map((r) => r.code)).toEqual(['next', 'next', 'next', 'next']);
    const nextClaims = next.map((r) => r.next as Claim);
    nextClaims.forEach((c, i) => {
      expect(c.id).toBe(items[i].id);
      expect(c.token % P).toBe(partitionOf(c.id, P));
    });
    await eventually(async () => (await store.redisTime()) >= now + 1000, 'the next occurrence');
    const second = await store.startRuns(LEASE, nextClaims);
    expect(second.started.map((s) => s.attempt)).toEqual([1, 1, 1, 1]);
    const ended = await store.completeRuns(
      OWNER,
      WINDOW,
      LEASE,
      second.started.map(({ id, token }) => ({
        id,
        token,
        outcome: 'ok' as const,
        schedule: {
          missed: 1,
        },
      })),
    );
    expect(ended.map((r) => r.code)).toEqual(['done', 'done', 'done', 'done']);
    expect(await ops.stats()).toMatchObject({ pending: 0, missed: 4 });
  });

  it('hands out fencing tokens unique across partitions, each carrying its partition', async () => {
    const now = await store.redisTime();
    const claims = await acceptNow(Array.from({ length: 400 }, (_, i) => once(`t${i}`, now)));
    const tokens = claims.map((c) => c.token);
    expect(new Set(tokens).size).toBe(400);
    for (const c of claims) expect(c.token % P).toBe(partitionOf(c.id, P));
    // Each partition's own counter went 1, 2, 3…: the raw tokens are dense per partition.
    for (let p = 0; p < P; p++) {
      const raw = claims.filter((c) => c.token % P === p).map((c) => (c.token - p) / P);
      expect(raw.sort((a, b) => a - b)).toEqual(raw.map((_, i) => i + 1));
      expect(Number(await redis.get(`${tag(p)}fence`))).toBe(raw.length);
    }
  });

  it('reports lost leases, releases claims and reclaims lapsed ones in every partition', async () => {
    const now = await store.redisTime();
    const claims = await acceptNow(Array.from({ length: 20 }, (_, i) => once(`l${i}`, now)));
    const stolen = claims.slice(0, 8);
    expect(await store.releaseClaims(stolen)).toBe(8);
    const lost = await store.renewLeases(LEASE, claims);
    expect(lost.map(({ id, token }) => ({ id, token }))).toEqual(
      stolen.map(({ id, token }) => ({ id, token })),
    );
    expect(lost.every((l) => l.reason === 'takenOver')).toBe(true);

    // Claimed again with a 1 ms lease, which lapses at once: reclaimed from each partition.
    const { claims: short } = await store.claimDue(OWNER, WINDOW, 1, 100);
    expect(short.map((c) => c.id).sort()).toEqual(stolen.map((c) => c.id).sort());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.reclaimExpired(100)).toBe(8);
    expect(await store.counts()).toMatchObject({ due: 8, leased: 12 });
  });
});

describe('operations across partitions', () => {
  it('cancels a running task: the control message names the run by its token', async () => {
    const subscriber = redis.duplicate();
    const heard: string[] = [];
    await subscriber.subscribe(new TaskKeys(PREFIX).control);
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    try {
      const now = await store.redisTime();
      const id = idsIn(3, 1, 'run')[0];
      const [claim] = await acceptNow([once(id, now)]);
      await store.startRuns(LEASE, [claim]);

      expect(await ops.cancelTask(id)).toEqual({ code: 'running', runToken: claim.token });
      await eventually(() => heard.length === 1, 'the cancel message');
      const [, heardId, raw] = /^cancel (.+) (\d+)$/.exec(heard[0]) ?? [];
      expect(heardId).toBe(id);
      expect(store.tokenOf(heardId, Number(raw))).toBe(claim.token);
      expect(await store.renewLeases(LEASE, [claim])).toEqual([
        { id, token: claim.token, reason: 'cancelled' },
      ]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('cancels, inspects, requeues, lists and counts tasks of every partition', async () => {
    const now = await store.redisTime();
    const ids = Array.from({ length: 23 }, (_, i) => `c${i}`);
    await acceptAll(ids.map((id) => once(id, now + MINUTE)));
    expect(new Set(ids.map((id) => partitionOf(id, P))).size).toBe(P);

    for (const id of ids.slice(0, 17))
      expect(await ops.cancelTask(id)).toEqual({ code: 'cancelled' });
    expect(await ops.inspectTask('c3')).toMatchObject({ id: 'c3', state: 'cancelled' });
    expect(await ops.inspectTask('c20')).toMatchObject({ state: 'pending', dueMs: now + MINUTE });
    expect(await ops.inspectTask('nope')).toBeUndefined();

    // Pages of 5 across the partitions: every cancelled task once.
    const listed: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await ops.listTasks('cancelled', 5, cursor);
      listed.push(...page.tasks.map((t) => t.id));
      if (page.cursor === null) break;
      cursor = page.cursor;
    }
    expect(listed.sort()).toEqual(ids.slice(0, 17).sort());
    expect(await ops.stats()).toMatchObject({ pending: 6, cancelled: 17 });

    expect(await ops.requeueTask('c4')).toMatchObject({ code: 'requeued' });
    expect(await ops.requeueTask('c20')).toEqual({ code: 'notFinished' });
    const stats = await ops.stats();
    expect(stats).toMatchObject({ pending: 7, cancelled: 16, failed: 0 });
    expect(stats.oldestDueLagMs).toBeGreaterThanOrEqual(0);
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    expect(claims.map((c) => c.id)).toEqual(['c4']);
  });

  it('sums the counters of occurrences that did not run over the partitions', async () => {
    const now = await store.redisTime();
    const items = [0, 2].map((p) => periodic(idsIn(p, 1, 'miss')[0], now, 1000));
    const claims = await acceptNow(items);
    const { started } = await store.startRuns(LEASE, claims);
    await store.completeRuns(
      OWNER,
      null,
      LEASE,
      started.map(({ id, token }) => ({
        id,
        token,
        outcome: 'ok' as const,
        schedule: { nextMs: now + MINUTE, missed: 3 },
      })),
    );
    expect(await ops.stats()).toMatchObject({ missed: 6, expired: 0 });
    expect(Number(await redis.hget(`${tag(0)}counters`, 'missed'))).toBe(3);
  });
});

describe('fairness', () => {
  it('claims the 10 due tasks of a quiet partition in the first call, beside 10,000 of a busy one', async () => {
    const now = await store.redisTime();
    const busy = idsIn(1, 10_000, 'busy');
    const quiet = idsIn(2, 10, 'quiet');
    await acceptAll([...busy, ...quiet].map((id) => once(id, now - 1000)));

    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 100);

    expect(claims).toHaveLength(100);
    expect(claims.filter((c) => quiet.includes(c.id))).toHaveLength(10);
    expect(claims.filter((c) => busy.includes(c.id))).toHaveLength(90);
  });

  it('spreads reclaims over the partitions too', async () => {
    const now = await store.redisTime();
    const busy = idsIn(0, 300, 'rb');
    const quiet = idsIn(3, 5, 'rq');
    await acceptAll([...busy, ...quiet].map((id) => once(id, now - 1000)));
    await store.claimDue(OWNER, WINDOW, 1, 1000);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(await store.reclaimExpired(50)).toBe(50);
    const due = await redis.zrange(`${tag(3)}due`, 0, -1);
    expect(due.sort()).toEqual([...quiet].sort());
  });
});

describe('the service with DELAYTASK_PARTITIONS=4', () => {
  let ping: PingServer;
  let instances: ServiceProcess[] = [];

  beforeAll(async () => {
    ping = new PingServer();
    await ping.start();
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await ping?.stop();
  });

  it('two instances run once and periodic tasks of every partition exactly once', async () => {
    instances = [0, 1].map(
      (i) =>
        new ServiceProcess({
          REDIS_URL: server.url,
          DELAYTASK_PARTITIONS: String(P),
          DELAYTASK_INSTANCE_ID: `node${i}`,
          DELAYTASK_CONCURRENCY: '64',
        }),
    );
    await Promise.all(instances.map((instance) => instance.start()));
    const { tasks, messages } = pingWorkload(ping, {
      once: 1500,
      periodic: 300,
      startMs: Date.now() + 4000,
      spreadMs: 6000,
      intervalMs: 3000,
      occurrences: 2,
    });
    await publishAll(redis, `${PREFIX}messageQ`, messages);
    await eventually(
      async () => {
        const counts = await store.counts();
        return counts.tasks + counts.done >= tasks.length;
      },
      'every task to be stored',
      30_000,
    );
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, lastDueMs(tasks) + 200 - Date.now())),
    );
    await eventually(
      async () => {
        const counts = await store.counts();
        return counts.due + counts.leased === 0;
      },
      'every occurrence to run and be recorded',
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const runs = parseRunLogs(instances.map((instance) => instance.logs).join('\n'));
    const report = analyseRuns(tasks, ping, runs, []);
    const clean =
      report.lost.length + report.doubles.length + report.early.length + report.offGrid.length;
    if (clean > 0) throw new Error(formatReport(report));
    expect(report.ran).toEqual({ once: 1500, periodic: 600 });
    expect(instances.every((instance) => parseRunLogs(instance.logs).length > 0)).toBe(true);
    // Every partition held and completed some; nothing per task on {prefix}.
    for (let p = 0; p < P; p++) expect(await redis.zcard(`${tag(p)}completed`)).toBeGreaterThan(0);
    expect(await redis.exists(`{${PREFIX}}tasks`, `{${PREFIX}}completed`)).toBe(0);
  });
});
