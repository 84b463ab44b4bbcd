import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  createRedisClient,
  loadScripts,
  OperationsStore,
  ScriptLoadError,
  StoreArgumentError,
  TaskKeys,
  TaskStore,
  UnexpectedReplyError,
  type AcceptItem,
  type StoreLimits,
} from '../../src/store';
import type { Claim, ClaimRef, RunOutcome, ScheduleStep } from '../../src/domain/claim';
import type { TaskSpec } from '../../src/domain/task-spec';
import { acceptItem } from '../../src/store/accept-item';
import { jitterOffsetMs } from '../../src/schedules/jitter';
import { eventually } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { STORE_LIMITS } from '../support/store-limits';

const OWNER = 'instance-a';
const WINDOW = 10_000;
const LEASE = 30_000;
const MINUTE = 60_000;

type SpecFields = Omit<TaskSpec, 'id' | 'name' | 'payload'>;

/** A stored record as the ingest side would write it (TaskSpec key order). */
function record(id: string, fields: SpecFields = {}, name = 'OncePingTask'): string {
  const spec: TaskSpec = {
    id,
    name,
    ...fields,
    payload: { Url: `https://example.com/ping/${id}` },
  };
  return JSON.stringify(spec);
}

/** The 12-byte digest the scripts remember a submission (id, record) by. */
const digest = (id: string, rec: string) =>
  createHash('sha1').update(`${id}\n${rec}`).digest().subarray(0, 12);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: RedisServerProcess;
let redis: Redis;
let keys: TaskKeys;
let store: TaskStore;

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
  keys = new TaskKeys();
  store = new TaskStore(redis, keys, STORE_LIMITS);
});

type Failure = 'error' | 'timeout' | 'expired' | 'stalled';
type LooseOutcome =
  | (ClaimRef & { outcome: 'abandoned' | 'unstarted' })
  | (ClaimRef & { outcome: 'ok' | 'missed'; schedule?: ScheduleStep })
  | (ClaimRef & { outcome: Failure; error: string; attempt?: number; schedule?: ScheduleStep });

/** A RunOutcome of a loose one (a failure's attempt defaults to 1). */
function outcomeOf(o: LooseOutcome): RunOutcome {
  const { id, token } = o;
  switch (o.outcome) {
    case 'abandoned':
    case 'unstarted':
      return { id, token, outcome: o.outcome };
    case 'ok':
    case 'missed':
      return o.schedule
        ? { id, token, outcome: o.outcome, schedule: o.schedule }
        : { id, token, outcome: o.outcome };
    default: {
      const failure = { id, token, outcome: o.outcome, error: o.error, attempt: o.attempt ?? 1 };
      return o.schedule ? { ...failure, schedule: o.schedule } : failure;
    }
  }
}

/**
 * Records outcomes, claiming no next occurrence (a periodic task's next one goes to due), and
 * answers with the codes only.
 */
async function complete(outcomes: LooseOutcome[]) {
  const results = await store.completeRuns(OWNER, null, LEASE, outcomes.map(outcomeOf));
  return results.map((result) => result.code);
}

/** The runner's step to the occurrence at nextMs, none missed on the way. */
const nextAt = (nextMs: number): ScheduleStep => ({ nextMs, missed: 0 });

/** The fleet-wide counters of occurrences that did not run. */
async function counters() {
  const [missed, expired] = await redis.hmget(keys.counters, 'missed', 'expired');
  return { missed: Number(missed ?? 0), expired: Number(expired ?? 0) };
}

/** The last failure recorded for a task, decoded. */
async function lastFailure(id: string): Promise<Record<string, unknown> | null> {
  const text = await redis.hget(keys.failures, id);
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

/** Whether a sorted set of submission digests remembers (id, record). */
const remembers = async (key: string, id: string, rec: string) =>
  (await redis.zscoreBuffer(key, digest(id, rec))) !== null;

/** The submission ingest would make of a record (acceptItem: the period entry of a periodic one). */
function item(id: string, rec: string, dueMs: number): AcceptItem {
  return { ...acceptItem(JSON.parse(rec) as TaskSpec, dueMs), id, record: rec };
}

/** Accepts one task and returns its claim token (0 when it went to `due`). */
async function acceptOne(id: string, rec: string, dueMs: number, leaseMs = LEASE) {
  const { nowMs, results } = await store.acceptTasks(OWNER, WINDOW, leaseMs, [
    item(id, rec, dueMs),
  ]);
  return { nowMs, status: results[0].status, token: results[0].token ?? 0 };
}

/** Accepts a task due now (claimed at once) and starts its run. */
async function startNow(id: string, rec: string, dueMs?: number) {
  const due = dueMs ?? (await store.redisTime());
  const { token } = await acceptOne(id, rec, due);
  const claim: Claim = { id, dueMs: due, token };
  const { started } = await store.startRuns(LEASE, [claim]);
  expect(started).toHaveLength(1);
  return claim;
}

const score = async (key: string, id: string) => {
  const value = await redis.zscore(key, id);
  return value === null ? null : Number(value);
};

describe('acceptTasks', () => {
  it('stores a task due beyond the window in due, unclaimed', async () => {
    const now = await store.redisTime();
    const rec = record('1', { toRunAtMs: now + MINUTE });
    const { nowMs, status, token } = await acceptOne('1', rec, now + MINUTE);

    expect(status).toBe('stored');
    expect(token).toBe(0);
    expect(nowMs).toBeGreaterThanOrEqual(now);
    expect(await redis.hget(keys.tasks, '1')).toBe(rec);
    expect(await score(keys.due, '1')).toBe(now + MINUTE);
    expect(await redis.zcard(keys.leased)).toBe(0);
    expect(await redis.get(keys.fence)).toBeNull();
  });

  it('claims a task due within the window for the accepting owner at once', async () => {
    const now = await store.redisTime();
    const dueMs = now + 2_000;
    const soon = await acceptOne('soon', record('soon'), dueMs);
    const late = await acceptOne('late', record('late'), now - 5_000);

    expect(soon.status).toBe('stored');
    expect(soon.token).toBeGreaterThan(0);
    expect(late.token).toBeGreaterThan(soon.token);
    expect(await redis.zcard(keys.due)).toBe(0);
    expect(await score(keys.leased, 'soon')).toBe(dueMs + LEASE);
    expect(await score(keys.leased, 'late')).toBe(late.nowMs + LEASE);
    expect(await redis.hget(keys.lease, 'soon')).toBe(`${soon.token}|${dueMs}|${OWNER}`);
    expect(await redis.hget(keys.lease, 'late')).toBe(`${late.token}|${now - 5_000}|${OWNER}`);
  });

  it('claims nothing, not even overdue tasks, when the window is null', async () => {
    const now = await store.redisTime();
    const { results } = await store.acceptTasks(OWNER, null, LEASE, [
      { id: 'overdue', record: record('overdue'), dueMs: now - MINUTE },
    ]);

    expect(results).toEqual([{ status: 'stored' }]);
    expect(await score(keys.due, 'overdue')).toBe(now - MINUTE);
    expect(await redis.zcard(keys.leased)).toBe(0);
  });

  it('reports a repeated submission as duplicate and changes nothing', async () => {
    const now = await store.redisTime();
    const rec = record('1');
    await acceptOne('1', rec, now + MINUTE);
    const claimed = await acceptOne('2', record('2'), now);
    const before = await redis.get(keys.fence);

    const { results } = await store.acceptTasks(OWNER, WINDOW, LEASE, [
      { id: '1', record: rec, dueMs: now + 2 * MINUTE },
      { id: '2', record: record('2'), dueMs: now },
    ]);

    expect(results).toEqual([{ status: 'duplicate' }, { status: 'duplicate' }]);
    expect(await score(keys.due, '1')).toBe(now + MINUTE);
    expect(await redis.hget(keys.lease, '2')).toMatch(new RegExp(`^${claimed.token}\\|`));
    expect(await redis.get(keys.fence)).toBe(before);
  });

  it('replaces a changed record, drops its lease and failure, and schedules it anew', async () => {
    const now = await store.redisTime();
    const first = record('1', { timeoutMs: 1_000 });
    const claim = await startNow('1', first, now);
    await complete([{ ...claim, outcome: 'error', error: 'boom' }]);
    expect(await redis.zscore(keys.failed, '1')).not.toBeNull();

    const second = record('1', { timeoutMs: 2_000 });
    const { status, token } = await acceptOne('1', second, now + MINUTE);

    expect(status).toBe('rescheduled');
    expect(token).toBe(0);
    expect(await redis.hget(keys.tasks, '1')).toBe(second);
    expect(await score(keys.due, '1')).toBe(now + MINUTE);
    expect(await redis.zscore(keys.failed, '1')).toBeNull();
    expect(await redis.hget(keys.failures, '1')).toBeNull();

    const third = record('1', { timeoutMs: 3_000 });
    const again = await acceptOne('1', third, now);
    expect(again.status).toBe('rescheduled');
    expect(again.token).toBeGreaterThan(claim.token);
    expect(await redis.zscore(keys.due, '1')).toBeNull();
    expect(await redis.hget(keys.lease, '1')).toBe(`${again.token}|${now}|${OWNER}`);
  });

  it('reports a completed task resubmitted within retention as completed', async () => {
    const rec = record('1');
    const claim = await startNow('1', rec);
    expect(await complete([{ ...claim, outcome: 'ok' }])).toEqual(['done']);

    const { status, token } = await acceptOne('1', rec, await store.redisTime());

    expect(status).toBe('completed');
    expect(token).toBe(0);
    expect(await redis.hexists(keys.tasks, '1')).toBe(0);
    expect(await redis.zcard(keys.leased)).toBe(0);
    expect(await remembers(keys.completed, '1', rec)).toBe(true);
  });

  it('accepts a changed record after completion as a new task', async () => {
    const claim = await startNow('1', record('1'));
    await complete([{ ...claim, outcome: 'ok' }]);
    const now = await store.redisTime();
    const changed = record('1', { toRunAtMs: now + MINUTE });

    const { status } = await acceptOne('1', changed, now + MINUTE);

    expect(status).toBe('stored');
    expect(await redis.hget(keys.tasks, '1')).toBe(changed);
    expect(await remembers(keys.completed, '1', record('1'))).toBe(true);
  });

  it('answers a mixed batch in order', async () => {
    const now = await store.redisTime();
    await acceptOne('dup', record('dup'), now + MINUTE);
    await acceptOne('chg', record('chg'), now + MINUTE);

    const { results } = await store.acceptTasks(OWNER, WINDOW, LEASE, [
      { id: 'new', record: record('new'), dueMs: now + MINUTE },
      { id: 'dup', record: record('dup'), dueMs: now + MINUTE },
      { id: 'chg', record: record('chg', { timeoutMs: 5 }), dueMs: now },
    ]);

    expect(results.map((r) => r.status)).toEqual(['stored', 'duplicate', 'rescheduled']);
    expect(results[2].token).toBeGreaterThan(0);
  });

  it('rejects a non-integer due time before calling Redis', async () => {
    await expect(
      store.acceptTasks(OWNER, WINDOW, LEASE, [{ id: '1', record: record('1'), dueMs: 1.5 }]),
    ).rejects.toBeInstanceOf(StoreArgumentError);
  });
});

describe('claimDue', () => {
  it('claims the earliest due tasks within the window, up to the limit', async () => {
    const now = await store.redisTime();
    const offsets: Record<string, number> = {
      d: 40_000,
      a: 10_000,
      e: 50_000,
      c: 30_000,
      b: 20_000,
    };
    await store.acceptTasks(
      OWNER,
      0,
      LEASE,
      Object.entries(offsets).map(([id, offset]) => ({
        id,
        record: record(id),
        dueMs: now + offset,
      })),
    );
    expect(await redis.zcard(keys.due)).toBe(5);

    const first = await store.claimDue('instance-b', 35_000, LEASE, 2);
    expect(first.claims.map((c) => [c.id, c.dueMs])).toEqual([
      ['a', now + 10_000],
      ['b', now + 20_000],
    ]);
    expect(first.claims[1].token).toBeGreaterThan(first.claims[0].token);

    const second = await store.claimDue('instance-b', 35_000, LEASE, 100);
    expect(second.claims.map((c) => c.id)).toEqual(['c']);
    expect(second.claims[0].token).toBeGreaterThan(first.claims[1].token);

    expect(await redis.zrange(keys.due, 0, -1)).toEqual(['d', 'e']);
    expect(await score(keys.leased, 'c')).toBe(now + 30_000 + LEASE);
    expect(await redis.hget(keys.lease, 'c')).toBe(
      `${second.claims[0].token}|${now + 30_000}|instance-b`,
    );
    expect((await store.claimDue('instance-b', 35_000, LEASE, 100)).claims).toEqual([]);
  });

  it('leases overdue tasks from now, not from their due time', async () => {
    const now = await store.redisTime();
    await store.acceptTasks(OWNER, null, LEASE, [
      { id: 'old', record: record('old'), dueMs: now - MINUTE },
    ]);

    const { nowMs, claims } = await store.claimDue(OWNER, 0, LEASE, 10);

    expect(claims).toEqual([{ id: 'old', dueMs: now - MINUTE, token: 1 }]);
    expect(await score(keys.leased, 'old')).toBe(nowMs + LEASE);
  });
});

describe('startRuns', () => {
  it('starts current claims: running lease from now, attempt counted, record returned', async () => {
    const now = await store.redisTime();
    const rec = record('1');
    const { token } = await acceptOne('1', rec, now);
    const claim = { id: '1', dueMs: now, token };

    const first = await store.startRuns(5_000, [claim]);
    expect(first.started).toEqual([{ ...claim, record: rec, attempt: 1, plannedMs: now }]);
    expect(first.stale).toEqual([]);
    expect(await score(keys.leased, '1')).toBe(first.nowMs + 5_000);

    const second = await store.startRuns(5_000, [claim]);
    expect(second.started[0].attempt).toBe(2);
  });

  it('reports a claim superseded by a reschedule as stale and does not start it', async () => {
    const now = await store.redisTime();
    const old = await acceptOne('1', record('1'), now);
    const changed = record('1', { timeoutMs: 9 });
    const fresh = await acceptOne('1', changed, now);
    const leasedBefore = await score(keys.leased, '1');

    const oldClaim = { id: '1', dueMs: now, token: old.token };
    const result = await store.startRuns(LEASE, [oldClaim]);

    expect(result.started).toEqual([]);
    expect(result.stale).toEqual([oldClaim]);
    expect(await redis.hget(keys.attempts, '1')).toBeNull();
    expect(await score(keys.leased, '1')).toBe(leasedBefore);

    const current = await store.startRuns(LEASE, [{ id: '1', dueMs: now, token: fresh.token }]);
    expect(current.started.map((r) => r.record)).toEqual([changed]);
  });
});

describe('startRuns by the Redis clock', () => {
  it('leaves a current claim that is not yet due untouched, and starts it once due', async () => {
    const now = await store.redisTime();
    const dueMs = now + 300;
    const { token } = await acceptOne('1', record('1'), dueMs);
    const claim = { id: '1', dueMs, token };
    const leasedBefore = await score(keys.leased, '1');

    const early = await store.startRuns(LEASE, [claim]);
    expect(early.started).toEqual([]);
    expect(early.stale).toEqual([]);
    expect(early.later).toEqual([{ claim, atMs: dueMs }]);
    expect(await redis.hget(keys.attempts, '1')).toBeNull();
    expect(await score(keys.leased, '1')).toBe(leasedBefore);

    await sleep(dueMs - (await store.redisTime()) + 5);
    const due = await store.startRuns(LEASE, [claim]);
    expect(due.started.map((run) => run.attempt)).toEqual([1]);
    expect(due.later).toEqual([]);
  });
});

describe('Jitter: a periodic occurrence starts at its due time plus its offset', () => {
  /** The first of `j0`, `j1`, ... whose offset for the occurrence at dueMs passes `wanted`. */
  function idWithOffset(dueMs: number, jitterMs: number, wanted: (offsetMs: number) => boolean) {
    for (let i = 0; ; i++) if (wanted(jitterOffsetMs(`j${i}`, dueMs, jitterMs))) return `j${i}`;
  }

  it('holds a jittered occurrence back until its planned time, then starts it with plannedMs', async () => {
    const jitterMs = 1_000;
    const now = await store.redisTime();
    const dueMs = now - 100; // due already: only its jitter holds it back
    const id = idWithOffset(dueMs, jitterMs, (offset) => offset >= 500 && offset < 900);
    const plannedMs = dueMs + jitterOffsetMs(id, dueMs, jitterMs);
    const rec = record(id, { intervalMs: MINUTE, jitterMs });
    const { token } = await acceptOne(id, rec, dueMs);
    const claim = { id, dueMs, token };
    const leasedBefore = await score(keys.leased, id);

    const early = await store.startRuns(LEASE, [claim]);
    expect(early.started).toEqual([]);
    expect(early.later).toEqual([{ claim, atMs: plannedMs }]);
    expect(await redis.hget(keys.attempts, id)).toBeNull();
    expect(await redis.zscore(keys.running, id)).toBeNull();
    expect(await score(keys.leased, id)).toBe(leasedBefore);

    await sleep(plannedMs - (await store.redisTime()) + 5);
    const started = await store.startRuns(LEASE, [claim]);
    expect(started.later).toEqual([]);
    expect(started.started).toEqual([{ ...claim, record: rec, attempt: 1, plannedMs }]);
  });

  it('jitters a cron task (a period entry without an interval) alike', async () => {
    const jitterMs = 5_000;
    const dueMs = (await store.redisTime()) - jitterMs;
    const id = idWithOffset(dueMs, jitterMs, (offset) => offset > 0);
    const rec = record(id, { cron: '* * * * *', jitterMs });
    const { token } = await acceptOne(id, rec, dueMs);
    expect(await redis.hget(keys.period, id)).toBe(`||${jitterMs}`);

    const { started } = await store.startRuns(LEASE, [{ id, dueMs, token }]);

    expect(started.map((run) => run.plannedMs)).toEqual([
      dueMs + jitterOffsetMs(id, dueMs, jitterMs),
    ]);
  });

  it('does not jitter a retry: it starts when it is due, its attempt already counted', async () => {
    const jitterMs = 86_400_000;
    const now = await store.redisTime();
    const dueMs = now - jitterMs; // the first attempt may start at once, whatever its offset
    const rec = record('p', { intervalMs: 2 * jitterMs, jitterMs });
    const claim = await startNow('p', rec, dueMs);
    const [result] = await store.completeRuns(OWNER, null, LEASE, [
      {
        ...claim,
        outcome: 'error',
        error: 'boom',
        attempt: 1,
        retry: { maxAttempts: 3, delayMs: 1 },
        schedule: nextAt(dueMs + 2 * jitterMs),
      },
    ]);
    expect(result.code).toBe('retry');
    const retryMs = (await score(keys.due, 'p'))!;
    // Jittered, the retry would wait for hours (but with odds of 1e-5).
    expect(jitterOffsetMs('p', retryMs, jitterMs)).toBeGreaterThan(1_000);

    await sleep(5);
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const retry = await store.startRuns(LEASE, claims);

    expect(retry.later).toEqual([]);
    expect(retry.started).toEqual([
      {
        id: 'p',
        dueMs: retryMs,
        token: claims[0].token,
        record: rec,
        attempt: 2,
        plannedMs: retryMs,
      },
    ]);
  });

  it('jitters an occurrence given back unstarted as on its first try', async () => {
    const jitterMs = 1_000;
    const dueMs = (await store.redisTime()) - jitterMs;
    const id = idWithOffset(dueMs, jitterMs, (offset) => offset > 0);
    const claim = await startNow(id, record(id, { intervalMs: MINUTE, jitterMs }), dueMs);
    expect(await complete([{ ...claim, outcome: 'unstarted' }])).toEqual(['released']);

    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const { started } = await store.startRuns(LEASE, claims);

    expect(started.map((run) => [run.attempt, run.plannedMs])).toEqual([
      [1, dueMs + jitterOffsetMs(id, dueMs, jitterMs)],
    ]);
  });

  it('jitters each next occurrence afresh, one claimed by the completing instance included', async () => {
    const jitterMs = 1_000;
    const now = await store.redisTime();
    const dueMs = now - jitterMs;
    const claim = await startNow('p', record('p', { intervalMs: 3_000, jitterMs }), dueMs);
    const nextMs = now + 3_000;

    const [result] = await store.completeRuns(OWNER, WINDOW, LEASE, [
      { ...claim, outcome: 'ok', schedule: nextAt(nextMs) },
    ]);
    expect(result.next).toEqual({ id: 'p', dueMs: nextMs, token: claim.token + 1 });
    const { later } = await store.startRuns(LEASE, [result.next!]);

    expect(later).toEqual([
      { claim: result.next, atMs: nextMs + jitterOffsetMs('p', nextMs, jitterMs) },
    ]);
  });

  it('starts at the due time without a jitter, with a jitter of 0, or with a period entry from before Jitter', async () => {
    const dueMs = (await store.redisTime()) - 10;
    const none = await acceptOne('none', record('none', { intervalMs: MINUTE }), dueMs);
    const zero = await acceptOne(
      'zero',
      record('zero', { intervalMs: MINUTE, jitterMs: 0 }),
      dueMs,
    );
    const old = await acceptOne('old', record('old', { intervalMs: MINUTE }), dueMs);
    await redis.hset(keys.period, 'old', `${MINUTE}|`); // intervalMs|endTimeMs, as written before
    expect(await redis.hmget(keys.period, 'none', 'zero')).toEqual([`${MINUTE}||`, `${MINUTE}||0`]);

    const { started } = await store.startRuns(LEASE, [
      { id: 'none', dueMs, token: none.token },
      { id: 'zero', dueMs, token: zero.token },
      { id: 'old', dueMs, token: old.token },
    ]);

    expect(started.map((run) => [run.id, run.plannedMs])).toEqual([
      ['none', dueMs],
      ['zero', dueMs],
      ['old', dueMs],
    ]);
  });
});

describe('renewLeases', () => {
  it('extends leases still held and reports the lost ones', async () => {
    const now = await store.redisTime();
    const { token } = await acceptOne('1', record('1'), now, 200);
    await acceptOne('2', record('2'), now + MINUTE);

    const lost = await store.renewLeases(MINUTE, [
      { id: '1', token },
      { id: '1', token: token + 1 },
      { id: '2', token: 1 },
      { id: 'nope', token: 1 },
    ]);

    expect(lost).toEqual([
      { id: '1', token: token + 1, reason: 'takenOver' },
      { id: '2', token: 1, reason: 'takenOver' },
      { id: 'nope', token: 1, reason: 'removed' },
    ]);
    expect(await score(keys.leased, '1')).toBeGreaterThanOrEqual(now + MINUTE);
    await sleep(300);
    expect(await store.reclaimExpired(100)).toBe(0);
    expect(await redis.hget(keys.lease, '1')).toMatch(new RegExp(`^${token}\\|`));
  });
});

describe('completeRuns', () => {
  it('marks a once task done: record removed, fingerprint kept, lease and attempts cleared', async () => {
    const rec = record('1');
    const claim = await startNow('1', rec);

    expect(await complete([{ ...claim, outcome: 'ok' }])).toEqual(['done']);
    expect(await redis.hexists(keys.tasks, '1')).toBe(0);
    expect(await remembers(keys.completed, '1', rec)).toBe(true);
    expect(await redis.zcard(keys.leased)).toBe(0);
    expect(await redis.hlen(keys.lease)).toBe(0);
    expect(await redis.hlen(keys.attempts)).toBe(0);
    expect(await redis.zcard(keys.due)).toBe(0);
  });

  it('marks a once task failed on error or timeout and keeps its record', async () => {
    const a = await startNow('a', record('a'));
    const b = await startNow('b', record('b'));
    const before = Date.now();

    const codes = await complete([
      { ...a, outcome: 'error', error: 'boom', attempt: 1 },
      { ...b, outcome: 'timeout', error: 'timed out after 5000 ms' },
    ]);

    expect(codes).toEqual(['failed', 'failed']);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['a', 'b']);
    expect(await redis.hget(keys.tasks, 'a')).toBe(record('a'));
    const failure = JSON.parse((await redis.hget(keys.failures, 'a')) ?? '{}') as { at: number };
    expect(Object.keys(failure).sort()).toEqual(['at', 'attempt', 'error', 'outcome']);
    expect(failure).toMatchObject({ outcome: 'error', error: 'boom', attempt: 1 });
    expect(failure.at).toBeGreaterThanOrEqual(before);
    expect(failure.at).toBeLessThanOrEqual(Date.now());
    expect(JSON.parse((await redis.hget(keys.failures, 'b')) ?? '{}')).toMatchObject({
      outcome: 'timeout',
    });
    expect(await redis.zcard(keys.due)).toBe(0);
    expect(await redis.zcard(keys.leased)).toBe(0);
    expect(await remembers(keys.completed, 'a', record('a'))).toBe(false);
    expect(Number(await redis.get(keys.failedBytes))).toBe(
      record('a').length +
        record('b').length +
        ((await redis.hget(keys.failures, 'a')) ?? '').length +
        ((await redis.hget(keys.failures, 'b')) ?? '').length,
    );
  });

  it('ignores a stale token', async () => {
    const claim = await startNow('1', record('1'));

    const codes = await complete([{ ...claim, token: claim.token + 1, outcome: 'ok' }]);

    expect(codes).toEqual(['stale']);
    expect(await redis.hexists(keys.tasks, '1')).toBe(1);
    expect(await redis.hget(keys.lease, '1')).toMatch(new RegExp(`^${claim.token}\\|`));
    expect(await redis.hget(keys.attempts, '1')).toBe('1');
  });

  it('moves a periodic task to the next occurrence the runner passed, not one of its own', async () => {
    const now = await store.redisTime();
    const dueMs = now - 3.5 * MINUTE;
    const claim = await startNow(
      'p',
      record('p', { intervalMs: MINUTE }, 'PeriodicPingTask'),
      dueMs,
    );
    // Off the task's grid on purpose: the store keeps no calendar, it takes the runner's step.
    const nextMs = now + 12_345;

    const codes = await complete([{ ...claim, outcome: 'ok', schedule: { nextMs, missed: 3 } }]);

    expect(codes).toEqual(['next']);
    expect(await score(keys.due, 'p')).toBe(nextMs);
    expect(await redis.hexists(keys.tasks, 'p')).toBe(1);
    expect(await redis.hget(keys.period, 'p')).toBe(`${MINUTE}||`);
    expect(await redis.zcard(keys.leased)).toBe(0);
    expect(await redis.hlen(keys.attempts)).toBe(0);
    expect(await redis.hexists(keys.failures, 'p')).toBe(0);
    expect(await counters()).toEqual({ missed: 3, expired: 0 });
  });

  it('keeps the last error of a periodic task and still moves it on', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: MINUTE }), now);

    const codes = await complete([
      { ...claim, outcome: 'timeout', error: 'slow', schedule: nextAt(now + MINUTE) },
    ]);

    expect(codes).toEqual(['next']);
    expect(await score(keys.due, 'p')).toBe(now + MINUTE);
    expect(await lastFailure('p')).toMatchObject({ outcome: 'timeout', error: 'slow' });
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(await counters()).toEqual({ missed: 0, expired: 0 });
  });

  it('clears the last failure of a periodic task when an occurrence succeeds', async () => {
    const now = await store.redisTime();
    const first = await startNow('p', record('p', { intervalMs: MINUTE }), now - MINUTE);
    await complete([{ ...first, outcome: 'error', error: 'boom', schedule: nextAt(now) }]);
    expect(await redis.hexists(keys.failures, 'p')).toBe(1);
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    await store.startRuns(LEASE, claims);

    expect(
      await complete([{ ...claims[0], outcome: 'ok', schedule: nextAt(now + MINUTE) }]),
    ).toEqual(['next']);
    expect(await redis.hexists(keys.failures, 'p')).toBe(0);
    expect(await score(keys.due, 'p')).toBe(now + MINUTE);
  });

  it('finishes a periodic task when the runner passes no next occurrence', async () => {
    const now = await store.redisTime();
    const periodic = (id: string) => record(id, { intervalMs: MINUTE, endTimeMs: now + 1 });
    const over = await startNow('over', periodic('over'), now);
    const bare = await startNow('bare', periodic('bare'), now);
    const failing = await startNow('failing', periodic('failing'), now - MINUTE);
    await complete([{ ...failing, outcome: 'error', error: 'first', schedule: nextAt(now) }]);
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    await store.startRuns(LEASE, claims);

    const codes = await complete([
      { ...over, outcome: 'ok', schedule: { missed: 2 } },
      { ...bare, outcome: 'ok' },
      { ...claims[0], outcome: 'error', error: 'last', schedule: { missed: 0 } },
    ]);

    expect(codes).toEqual(['done', 'done', 'done']);
    for (const id of ['over', 'bare', 'failing']) {
      expect(await redis.hexists(keys.tasks, id)).toBe(0);
      expect(await redis.hexists(keys.period, id)).toBe(0);
      expect(await redis.hexists(keys.failures, id)).toBe(0);
      expect(await redis.hget(keys.history, id)).toBe(periodic(id));
      expect(await remembers(keys.completed, id, periodic(id))).toBe(true);
    }
    expect(await redis.zcard(keys.due)).toBe(0);
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(await counters()).toEqual({ missed: 2, expired: 0 });
  });

  it('ignores a schedule step for a once task: only a period entry makes a task periodic', async () => {
    const now = await store.redisTime();
    const ok = await startNow('ok', record('ok'), now);
    const bad = await startNow('bad', record('bad'), now);

    const codes = await complete([
      { ...ok, outcome: 'ok', schedule: nextAt(now + MINUTE) },
      { ...bad, outcome: 'error', error: 'boom', schedule: nextAt(now + MINUTE) },
    ]);

    expect(codes).toEqual(['done', 'failed']);
    expect(await redis.zcard(keys.due)).toBe(0);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['bad']);
  });
});

describe('occurrences that do not run: missed and expired', () => {
  const ops = () => new OperationsStore(redis, keys);

  it('moves a periodic task past a missed occurrence, its last failure left as it was', async () => {
    const now = await store.redisTime();
    const first = await startNow('p', record('p', { intervalMs: MINUTE }), now - 2 * MINUTE);
    await complete([
      { ...first, outcome: 'timeout', error: 'slow', schedule: nextAt(now - MINUTE) },
    ]);
    const failure = await redis.hget(keys.failures, 'p');
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    await store.startRuns(LEASE, claims);

    const codes = await complete([
      { ...claims[0], outcome: 'missed', schedule: { nextMs: now + MINUTE, missed: 2 } },
    ]);

    expect(codes).toEqual(['next']);
    expect(await score(keys.due, 'p')).toBe(now + MINUTE);
    expect(await redis.hget(keys.failures, 'p')).toBe(failure);
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(await redis.hlen(keys.attempts)).toBe(0);
    expect(await counters()).toEqual({ missed: 2, expired: 0 });
  });

  it('leaves no failure behind a missed occurrence of a task that never failed', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: MINUTE }), now);

    expect(
      await complete([
        { ...claim, outcome: 'missed', schedule: { nextMs: now + MINUTE, missed: 1 } },
      ]),
    ).toEqual(['next']);
    expect(await redis.hexists(keys.failures, 'p')).toBe(0);
  });

  it('finishes a periodic task whose missed occurrence was its last', async () => {
    const now = await store.redisTime();
    const rec = record('p', { intervalMs: MINUTE });
    const claim = await startNow('p', rec, now);

    expect(await complete([{ ...claim, outcome: 'missed', schedule: { missed: 1 } }])).toEqual([
      'done',
    ]);
    expect(await redis.hget(keys.history, 'p')).toBe(rec);
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(await counters()).toEqual({ missed: 1, expired: 0 });
  });

  it('fails a once task whose occurrence expired, without a retry, and counts it', async () => {
    const claim = await startNow('1', record('1'));
    const before = Date.now();

    const [result] = await store.completeRuns(OWNER, null, LEASE, [
      { ...claim, outcome: 'expired', error: 'too late', attempt: 1 },
    ]);

    expect(result).toEqual({ code: 'failed' });
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['1']);
    const failure = await lastFailure('1');
    expect(Object.keys(failure ?? {}).sort()).toEqual(['at', 'attempt', 'error', 'outcome']);
    expect(failure).toMatchObject({ outcome: 'expired', error: 'too late', attempt: 1 });
    expect(failure?.at).toBeGreaterThanOrEqual(before);
    expect(await redis.zcard(keys.due)).toBe(0);
    expect(await counters()).toEqual({ missed: 0, expired: 1 });
  });

  it('moves a periodic task past an expired occurrence, kept as its last failure', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: MINUTE }), now);

    const codes = await complete([
      {
        ...claim,
        outcome: 'expired',
        error: 'too late',
        schedule: { nextMs: now + MINUTE, missed: 4 },
      },
    ]);

    expect(codes).toEqual(['next']);
    expect(await score(keys.due, 'p')).toBe(now + MINUTE);
    expect(await lastFailure('p')).toMatchObject({ outcome: 'expired', error: 'too late' });
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(await counters()).toEqual({ missed: 4, expired: 1 });
  });

  it('counts nothing for a stale outcome or a run given back', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: MINUTE }), now);

    const codes = await complete([
      { ...claim, token: claim.token + 1, outcome: 'expired', error: 'x', schedule: nextAt(now) },
      { ...claim, token: claim.token + 1, outcome: 'missed', schedule: { missed: 5 } },
      { ...claim, outcome: 'abandoned' },
    ]);

    expect(codes).toEqual(['stale', 'stale', 'released']);
    expect(await redis.exists(keys.counters)).toBe(0);
  });

  it('adds the counters up fleet-wide and reports them in stats', async () => {
    expect(await ops().stats()).toMatchObject({ missed: 0, expired: 0 });
    const now = await store.redisTime();
    const a = await startNow('a', record('a', { intervalMs: MINUTE }), now);
    const b = await startNow('b', record('b'), now);
    await complete([
      { ...a, outcome: 'missed', schedule: { nextMs: now + MINUTE, missed: 3 } },
      { ...b, outcome: 'expired', error: 'late' },
    ]);
    const c = await startNow('c', record('c', { intervalMs: MINUTE }), now);
    const other = new TaskStore(redis, keys, STORE_LIMITS);
    await other.completeRuns('instance-b', null, LEASE, [
      { ...c, outcome: 'expired', error: 'late', attempt: 1, schedule: { missed: 2 } },
    ]);

    expect(await ops().stats()).toMatchObject({ missed: 5, expired: 2, failed: 1, pending: 1 });
  });
});

describe('reclaimExpired', () => {
  it('puts a claim with an expired lease back in due at its due time', async () => {
    const now = await store.redisTime();
    const dueMs = now - 1_000;
    const { token } = await acceptOne('1', record('1'), dueMs, 200);
    await store.startRuns(200, [{ id: '1', dueMs, token }]);
    expect(await store.reclaimExpired(100)).toBe(0);

    await sleep(300);
    expect(await store.reclaimExpired(100)).toBe(1);

    expect(await score(keys.due, '1')).toBe(dueMs);
    expect(await redis.zcard(keys.leased)).toBe(0);
    expect(await redis.hlen(keys.lease)).toBe(0);
    expect(await complete([{ id: '1', token, outcome: 'ok' }])).toEqual(['stale']);
    expect(await store.reclaimExpired(100)).toBe(0);

    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const { started } = await store.startRuns(LEASE, claims);
    expect(started.map((r) => r.attempt)).toEqual([2]); // the crashed start still counts
  });

  it('moves each expired claim exactly once when instances reclaim concurrently', async () => {
    const now = await store.redisTime();
    const items = Array.from({ length: 300 }, (_, i) => ({
      id: `t${i}`,
      record: record(`t${i}`),
      dueMs: now + i,
    }));
    await store.acceptTasks(OWNER, WINDOW, 100, items);
    await sleep(500);
    const other = createRedisClient({ host: '127.0.0.1', port: server.port });
    try {
      const otherStore = new TaskStore(other, keys, STORE_LIMITS);
      const counts = await Promise.all([
        store.reclaimExpired(50),
        otherStore.reclaimExpired(50),
        store.reclaimExpired(1_000),
        otherStore.reclaimExpired(1_000),
      ]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
      expect(await redis.zcard(keys.due)).toBe(300);
      expect(await redis.zcard(keys.leased)).toBe(0);
      expect(await score(keys.due, 't123')).toBe(now + 123);
    } finally {
      await other.quit();
    }
  });
});

describe('releaseClaims', () => {
  it('gives current claims back to due at their due time and skips stale ones', async () => {
    const now = await store.redisTime();
    const a = await acceptOne('a', record('a'), now + 1_000);
    const b = await acceptOne('b', record('b'), now + 2_000);

    const released = await store.releaseClaims([
      { id: 'a', token: a.token },
      { id: 'b', token: b.token + 1 },
    ]);

    expect(released).toBe(1);
    expect(await score(keys.due, 'a')).toBe(now + 1_000);
    expect(await redis.hexists(keys.lease, 'a')).toBe(0);
    expect(await redis.zscore(keys.leased, 'a')).toBeNull();
    expect(await redis.zscore(keys.leased, 'b')).not.toBeNull();
    expect(await store.releaseClaims([])).toBe(0);
  });
});

describe('pruneFinished', () => {
  const withLimits = (limits: Partial<StoreLimits>) =>
    new TaskStore(redis, keys, { ...STORE_LIMITS, ...limits });

  it('forgets completions older than the retention so the task can be accepted again', async () => {
    const rec = record('1');
    const claim = await startNow('1', rec);
    await complete([{ ...claim, outcome: 'ok' }]);

    expect(await store.pruneFinished(100)).toBe(0);
    await sleep(50);
    expect(await withLimits({ completedRetentionMs: 10 }).pruneFinished(100)).toBe(1);

    expect(await redis.zcard(keys.completed)).toBe(0);
    expect((await acceptOne('1', rec, await store.redisTime())).status).toBe('stored');
  });

  it('keeps at most completedMax completions, the newest, and prunes at most limit per call', async () => {
    for (const id of ['a', 'b', 'c', 'd']) {
      const claim = await startNow(id, record(id));
      await complete([{ ...claim, outcome: 'ok' }]);
      await sleep(2);
    }
    const capped = withLimits({ completedMax: 1 });
    expect(await capped.pruneFinished(2)).toBe(2);
    expect(await capped.pruneFinished(2)).toBe(1);
    expect(await capped.pruneFinished(2)).toBe(0);
    expect(await remembers(keys.completed, 'd', record('d'))).toBe(true);
  });

  it('forgets replaced submissions after the replay window', async () => {
    const now = await store.redisTime();
    await acceptOne('1', record('1'), now + MINUTE);
    await acceptOne('1', record('1', { timeoutMs: 5 }), now + MINUTE);
    expect(await redis.zcard(keys.replaced)).toBe(1);
    await sleep(30);
    expect(await withLimits({ replayWindowMs: 10 }).pruneFinished(100)).toBe(1);
    expect(await redis.zcard(keys.replaced)).toBe(0);
  });

  it('drops the oldest failed tasks past their age, count or bytes, with their records', async () => {
    const fail = async (id: string) => {
      const claim = await startNow(id, record(id));
      await complete([{ ...claim, outcome: 'error', error: 'x'.repeat(100) }]);
      await sleep(2);
    };
    for (const id of ['a', 'b', 'c', 'd']) await fail(id);
    const bytesOfOne = Number(await redis.get(keys.failedBytes)) / 4;

    expect(await withLimits({ failedMax: 3 }).pruneFinished(100)).toBe(1);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['b', 'c', 'd']);
    expect(await redis.hexists(keys.tasks, 'a')).toBe(0);
    expect(await redis.hexists(keys.failures, 'a')).toBe(0);

    expect(
      await withLimits({ failedMaxBytes: Math.floor(2.5 * bytesOfOne) }).pruneFinished(100),
    ).toBe(1);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['c', 'd']);
    expect(Number(await redis.get(keys.failedBytes))).toBe(2 * bytesOfOne);

    await sleep(20);
    expect(await withLimits({ failedRetentionMs: 10 }).pruneFinished(1)).toBe(1);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['d']);
  });
});

describe('stale replays (a message heard late by another instance)', () => {
  it('never brings back content the task left within the replay window', async () => {
    const now = await store.redisTime();
    const a = record('1', { toRunAtMs: now + MINUTE });
    const b = record('1', { toRunAtMs: now + 2 * MINUTE });
    expect((await acceptOne('1', a, now + MINUTE)).status).toBe('stored');
    expect((await acceptOne('1', b, now + 2 * MINUTE)).status).toBe('rescheduled');

    expect((await acceptOne('1', a, now + MINUTE)).status).toBe('replayed');
    expect((await acceptOne('1', b, now + 2 * MINUTE)).status).toBe('duplicate');
    expect(await redis.hget(keys.tasks, '1')).toBe(b);
    expect(await score(keys.due, '1')).toBe(now + 2 * MINUTE);
  });

  it('applies the old content again once the replay window has passed', async () => {
    const short = new TaskStore(redis, keys, { ...STORE_LIMITS, replayWindowMs: 20 });
    const now = await store.redisTime();
    const a = record('1', { timeoutMs: 1 });
    const b = record('1', { timeoutMs: 2 });
    await short.acceptTasks(OWNER, null, LEASE, [item('1', a, now + MINUTE)]);
    await short.acceptTasks(OWNER, null, LEASE, [item('1', b, now + MINUTE)]);
    await sleep(40);
    const { results } = await short.acceptTasks(OWNER, null, LEASE, [item('1', a, now + MINUTE)]);
    expect(results[0].status).toBe('rescheduled');
  });

  it('does not re-apply content that ran, even after the task took other content', async () => {
    const a = record('1');
    const claim = await startNow('1', a);
    await complete([{ ...claim, outcome: 'ok' }]);
    const now = await store.redisTime();
    expect((await acceptOne('1', record('1', { timeoutMs: 7 }), now + MINUTE)).status).toBe(
      'stored',
    );

    expect((await acceptOne('1', a, now)).status).toBe('completed');
    expect(await redis.hget(keys.tasks, '1')).toBe(record('1', { timeoutMs: 7 }));
  });
});

describe("ingest's payloadChecked mark: the same submission with or without it", () => {
  /** The record ingest writes when a payload class checked the payload: the mark as its last key. */
  const marked = (rec: string) =>
    JSON.stringify({ ...(JSON.parse(rec) as TaskSpec), payloadChecked: true });

  it('is a duplicate either way round, and the live record is kept as it is', async () => {
    const now = await store.redisTime();
    const plain = record('1', { toRunAtMs: now + MINUTE });
    expect(marked(plain).endsWith(',"payloadChecked":true}')).toBe(true);
    expect((await acceptOne('1', plain, now + MINUTE)).status).toBe('stored');
    expect((await acceptOne('1', marked(plain), now + MINUTE)).status).toBe('duplicate');
    expect(await redis.hget(keys.tasks, '1')).toBe(plain);

    const other = record('2', { toRunAtMs: now + MINUTE });
    expect((await acceptOne('2', marked(other), now + MINUTE)).status).toBe('stored');
    expect((await acceptOne('2', other, now + MINUTE)).status).toBe('duplicate');
    expect((await acceptOne('2', marked(other), now + MINUTE)).status).toBe('duplicate');
    expect(await redis.hget(keys.tasks, '2')).toBe(marked(other));
    expect(await score(keys.due, '2')).toBe(now + MINUTE);
  });

  it('is completed in the other form once it ran, remembered by the digest of the unmarked record', async () => {
    const plain = record('1');
    const claim = await startNow('1', marked(plain));
    expect(await complete([{ ...claim, outcome: 'ok' }])).toEqual(['done']);
    expect(await remembers(keys.completed, '1', plain)).toBe(true);
    expect((await acceptOne('1', plain, await store.redisTime())).status).toBe('completed');
    expect((await acceptOne('1', marked(plain), await store.redisTime())).status).toBe('completed');

    const other = record('2');
    const run = await startNow('2', other);
    expect(await complete([{ ...run, outcome: 'ok' }])).toEqual(['done']);
    expect((await acceptOne('2', marked(other), await store.redisTime())).status).toBe('completed');
    expect(await redis.hexists(keys.tasks, '2')).toBe(0);
  });

  it('is replayed in the other form once it was replaced', async () => {
    const now = await store.redisTime();
    const a = record('1', { toRunAtMs: now + MINUTE });
    const b = record('1', { toRunAtMs: now + 2 * MINUTE });
    expect((await acceptOne('1', marked(a), now + MINUTE)).status).toBe('stored');
    expect((await acceptOne('1', b, now + 2 * MINUTE)).status).toBe('rescheduled');
    expect(await remembers(keys.replaced, '1', a)).toBe(true);

    expect((await acceptOne('1', a, now + MINUTE)).status).toBe('replayed');
    expect((await acceptOne('1', marked(a), now + MINUTE)).status).toBe('replayed');
    expect((await acceptOne('1', marked(b), now + 2 * MINUTE)).status).toBe('duplicate');
    expect(await redis.hget(keys.tasks, '1')).toBe(b);
  });

  it('is never read into a payload that ends with the same text (that record ends in }})', async () => {
    const now = await store.redisTime();
    const plain = JSON.stringify({ id: '1', name: 'OncePingTask', payload: { Url: 'u' } });
    const forged = JSON.stringify({
      id: '1',
      name: 'OncePingTask',
      payload: { Url: 'u', payloadChecked: true },
    });
    expect((await acceptOne('1', plain, now + MINUTE)).status).toBe('stored');
    expect((await acceptOne('1', forged, now + MINUTE)).status).toBe('rescheduled');
    expect(await redis.hget(keys.tasks, '1')).toBe(forged);
  });
});

describe('periodic tasks never depend on decoding the record', () => {
  it.each([
    [
      'a lone surrogate',
      JSON.stringify({ id: 'p', name: 'P', intervalMs: 1, payload: { x: '\ud800' } }),
    ],
    [
      'nesting deeper than cjson reads',
      `{"id":"p","payload":${'['.repeat(1500)}${']'.repeat(1500)}}`,
    ],
    ['text that is not JSON at all', 'not json'],
  ])('stays periodic, jittered alike, with %s in its record', async (_what, rec) => {
    const jitterMs = 1_000;
    const dueMs = (await store.redisTime()) - jitterMs; // whatever its jitter, it may start now
    const { results } = await store.acceptTasks(OWNER, WINDOW, LEASE, [
      { id: 'p', record: rec, dueMs, period: { intervalMs: MINUTE, jitterMs } },
    ]);
    const token = results[0].token ?? 0;

    const { started } = await store.startRuns(LEASE, [{ id: 'p', dueMs, token }]);
    expect(started).toEqual([
      {
        id: 'p',
        dueMs,
        token,
        record: rec,
        attempt: 1,
        plannedMs: dueMs + jitterOffsetMs('p', dueMs, jitterMs),
      },
    ]);

    const nextMs = dueMs + MINUTE;
    expect(await complete([{ id: 'p', token, outcome: 'ok', schedule: nextAt(nextMs) }])).toEqual([
      'next',
    ]);
    expect(await score(keys.due, 'p')).toBe(nextMs);
    expect(await redis.hget(keys.tasks, 'p')).toBe(rec);
    expect(await redis.hget(keys.period, 'p')).toBe(`${MINUTE}||${jitterMs}`);
  });
});

describe('next occurrences claimed by the completing instance', () => {
  it('claims the next occurrence at once when it falls within the window', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: 100 }), now);

    const [result] = await store.completeRuns(OWNER, WINDOW, LEASE, [
      { ...claim, outcome: 'ok', schedule: nextAt(now + 100) },
    ]);

    expect(result.code).toBe('next');
    expect(result.next).toEqual({ id: 'p', dueMs: now + 100, token: claim.token + 1 });
    expect(await redis.zscore(keys.due, 'p')).toBeNull();
    expect(await redis.hget(keys.lease, 'p')).toBe(`${claim.token + 1}|${now + 100}|${OWNER}`);
  });

  it('claims it past a missed or failed occurrence too', async () => {
    const now = await store.redisTime();
    const missed = await startNow('m', record('m', { intervalMs: 100 }), now);
    const failed = await startNow('f', record('f', { intervalMs: 100 }), now);

    const results = await store.completeRuns(OWNER, WINDOW, LEASE, [
      { ...missed, outcome: 'missed', schedule: { nextMs: now + 200, missed: 1 } },
      { ...failed, outcome: 'error', error: 'boom', attempt: 1, schedule: nextAt(now + 300) },
    ]);

    expect(results.map((r) => [r.code, r.next?.dueMs])).toEqual([
      ['next', now + 200],
      ['next', now + 300],
    ]);
    expect(await redis.zcard(keys.due)).toBe(0);
  });

  it('leaves it in due when it falls beyond the window', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: MINUTE }), now);

    const [result] = await store.completeRuns(OWNER, 1_000, LEASE, [
      { ...claim, outcome: 'ok', schedule: nextAt(now + MINUTE) },
    ]);

    expect(result).toEqual({ code: 'next' });
    expect(await score(keys.due, 'p')).toBe(now + MINUTE);
  });
});

describe('runs given up without an outcome', () => {
  it('puts an abandoned run back in due, its start counted as lost', async () => {
    const now = await store.redisTime();
    const claim = await startNow('1', record('1'), now);

    expect(await complete([{ ...claim, outcome: 'abandoned' }])).toEqual(['released']);
    expect(await score(keys.due, '1')).toBe(now);
    expect(await redis.hget(keys.attempts, '1')).toBe('1');
  });

  it('puts an unstarted run back in due, its start not counted', async () => {
    const now = await store.redisTime();
    const claim = await startNow('1', record('1'), now);

    expect(await complete([{ ...claim, outcome: 'unstarted' }])).toEqual(['released']);
    expect(await score(keys.due, '1')).toBe(now);
    expect(await redis.hget(keys.attempts, '1')).toBeNull();
  });
});

describe('occurrences whose runs are lost again and again', () => {
  async function loseRun(id: string): Promise<Claim> {
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const claim = claims.find((c) => c.id === id)!;
    const { started } = await store.startRuns(LEASE, [claim]);
    expect(started).toHaveLength(1);
    await complete([{ ...claim, outcome: 'abandoned' }]);
    return claim;
  }

  /** The error text the runner gives a stalled occurrence. */
  const STALLED = 'its run was lost 2 time(s): not started again';

  it('hands a once task back after maxStalls + 1 lost runs, unstarted, its lease kept', async () => {
    const now = await store.redisTime();
    const rec = record('1');
    await store.acceptTasks(OWNER, null, LEASE, [item('1', rec, now)]);
    await loseRun('1');
    await loseRun('1');

    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const result = await store.startRuns(LEASE, claims);

    expect(result.started).toEqual([]);
    expect(result.stalled).toEqual([{ claim: claims[0], lost: 2, record: rec }]);
    // Not ended here: the claim stays the runner's, to end with completeRuns ('stalled').
    expect(await redis.hget(keys.lease, '1')).toBe(`${claims[0].token}|${now}|${OWNER}`);
    expect(await redis.zscore(keys.leased, '1')).not.toBeNull();
    expect(await redis.zscore(keys.running, '1')).toBeNull();
    expect(await redis.hget(keys.attempts, '1')).toBe('2');
    expect(await redis.hget(keys.stalls, '1')).toBe('2');
    expect(await redis.zcard(keys.failed)).toBe(0);
    // Asked again (the runner died before ending it), it answers the same and starts nothing.
    expect((await store.startRuns(LEASE, claims)).stalled).toEqual(result.stalled);
    expect(await redis.hget(keys.attempts, '1')).toBe('2');
  });

  it('ends a once task handed back as stalled as failed when the runner records it', async () => {
    const now = await store.redisTime();
    await store.acceptTasks(OWNER, null, LEASE, [item('1', record('1'), now)]);
    await loseRun('1');
    await loseRun('1');
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const { stalled } = await store.startRuns(LEASE, claims);
    const before = Date.now();

    const codes = await complete([
      { ...stalled[0].claim, outcome: 'stalled', error: STALLED, attempt: stalled[0].lost },
    ]);

    expect(codes).toEqual(['failed']);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['1']);
    const failure = await lastFailure('1');
    expect(Object.keys(failure ?? {}).sort()).toEqual(['at', 'attempt', 'error', 'outcome']);
    expect(failure).toMatchObject({ outcome: 'stalled', error: STALLED, attempt: 2 });
    expect(failure?.at).toBeGreaterThanOrEqual(before);
    expect(await redis.hlen(keys.lease)).toBe(0);
    expect(await redis.zcard(keys.leased)).toBe(0);
    expect(await redis.hlen(keys.attempts)).toBe(0);
    expect(await redis.hlen(keys.stalls)).toBe(0);
    expect(await redis.zcard(keys.due)).toBe(0);
    expect(await counters()).toEqual({ missed: 0, expired: 0 });
  });

  it('moves a periodic task handed back as stalled to the next occurrence the runner passes', async () => {
    const now = await store.redisTime();
    const rec = record('p', { intervalMs: MINUTE });
    await store.acceptTasks(OWNER, null, LEASE, [item('p', rec, now)]);
    await loseRun('p');
    await loseRun('p');

    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const result = await store.startRuns(LEASE, claims);
    expect(result.stalled).toEqual([{ claim: claims[0], lost: 2, record: rec }]);
    expect(await score(keys.due, 'p')).toBeNull(); // not moved on by startRuns

    const codes = await complete([
      {
        ...claims[0],
        outcome: 'stalled',
        error: STALLED,
        attempt: 2,
        schedule: { nextMs: now + MINUTE, missed: 0 },
      },
    ]);

    expect(codes).toEqual(['next']);
    expect(await score(keys.due, 'p')).toBe(now + MINUTE);
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(await lastFailure('p')).toMatchObject({ outcome: 'stalled', attempt: 2 });
    expect(await redis.hlen(keys.lease)).toBe(0);
    expect(await redis.hlen(keys.stalls)).toBe(0);
    expect(await redis.hlen(keys.attempts)).toBe(0);

    // The next occurrence starts afresh: its stall count is gone with the old one.
    await redis.zadd(keys.due, await store.redisTime(), 'p');
    const next = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    expect((await store.startRuns(LEASE, next.claims)).started.map((run) => run.attempt)).toEqual([
      1,
    ]);
  });

  it('finishes a periodic task handed back as stalled when its schedule is over', async () => {
    const now = await store.redisTime();
    await store.acceptTasks(OWNER, null, LEASE, [item('p', record('p', { intervalMs: 1 }), now)]);
    await loseRun('p');
    await loseRun('p');
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    await store.startRuns(LEASE, claims);

    const codes = await complete([
      { ...claims[0], outcome: 'stalled', error: STALLED, attempt: 2, schedule: { missed: 0 } },
    ]);

    expect(codes).toEqual(['done']);
    expect(await redis.hexists(keys.tasks, 'p')).toBe(0);
    expect(await redis.zcard(keys.failed)).toBe(0);
  });

  it('ignores the stalled outcome of a claim that lapsed and was taken over meanwhile', async () => {
    const now = await store.redisTime();
    await store.acceptTasks(OWNER, null, LEASE, [item('1', record('1'), now)]);
    await loseRun('1');
    await loseRun('1');
    const { claims } = await store.claimDue(OWNER, WINDOW, 100, 10);
    await store.startRuns(LEASE, claims);
    await sleep(150);
    expect(await store.reclaimExpired(10)).toBe(1);
    const again = await store.claimDue('instance-b', WINDOW, LEASE, 10);

    expect(
      await complete([{ ...claims[0], outcome: 'stalled', error: STALLED, attempt: 2 }]),
    ).toEqual(['stale']);
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect((await store.startRuns(LEASE, again.claims)).stalled).toHaveLength(1);
  });
});

describe('a task rescheduled while its run is running', () => {
  it('holds the new content back until the old run has stopped', async () => {
    const now = await store.redisTime();
    const old = await startNow('1', record('1'), now);
    const changed = record('1', { timeoutMs: 9 });
    const fresh = await acceptOne('1', changed, now);
    expect(fresh.status).toBe('rescheduled');
    const oldExpiry = await redis.hget(keys.superseded, '1');
    expect(oldExpiry).toMatch(new RegExp(`^${old.token}\\|\\d+\\|2$`));

    const freshClaim = { id: '1', dueMs: now, token: fresh.token };
    const held = await store.startRuns(LEASE, [freshClaim]);
    expect(held.started).toEqual([]);
    expect(held.later).toEqual([{ claim: freshClaim, atMs: Number(oldExpiry!.split('|')[1]) }]);

    expect(await store.renewLeases(LEASE, [old])).toEqual([
      { id: '1', token: old.token, reason: 'rescheduled' },
    ]);
    expect(await complete([{ ...old, outcome: 'abandoned' }])).toEqual(['stale']);
    expect(await redis.hexists(keys.superseded, '1')).toBe(0);

    const started = await store.startRuns(LEASE, [freshClaim]);
    expect(started.started.map((run) => [run.record, run.attempt])).toEqual([[changed, 1]]);
  });

  it("lets the new content start once the old run's lease has run out", async () => {
    const now = await store.redisTime();
    const { token } = await acceptOne('1', record('1'), now, 100);
    await store.startRuns(100, [{ id: '1', dueMs: now, token }]);
    const fresh = await acceptOne('1', record('1', { timeoutMs: 9 }), now);
    await sleep(150);

    const result = await store.startRuns(LEASE, [{ id: '1', dueMs: now, token: fresh.token }]);
    expect(result.started).toHaveLength(1);
    expect(await redis.hexists(keys.superseded, '1')).toBe(0);
  });

  it('forgets the failure of a failed task that takes new content, and its bytes', async () => {
    const claim = await startNow('1', record('1'));
    await complete([{ ...claim, outcome: 'error', error: 'boom' }]);
    expect(Number(await redis.get(keys.failedBytes))).toBeGreaterThan(0);

    await acceptOne('1', record('1', { timeoutMs: 3 }), (await store.redisTime()) + MINUTE);

    expect(Number(await redis.get(keys.failedBytes))).toBe(0);
    expect(await redis.zcard(keys.failed)).toBe(0);
  });
});

describe('operations: cancel, requeue, inspect, list, stats', () => {
  const ops = () => new OperationsStore(redis, keys);

  it('cancels a pending task: it leaves due, keeps its record, and is never claimed', async () => {
    const now = await store.redisTime();
    await acceptOne('1', record('1'), now + MINUTE);

    expect(await ops().cancelTask('1')).toEqual({ code: 'cancelled' });
    expect(await ops().cancelTask('1')).toEqual({ code: 'alreadyCancelled' });
    expect(await redis.zscore(keys.due, '1')).toBeNull();
    expect(await score(keys.cancelled, '1')).toBeGreaterThanOrEqual(now);
    expect(await redis.hget(keys.tasks, '1')).toBe(record('1'));
    expect((await store.claimDue(OWNER, 2 * MINUTE, LEASE, 10)).claims).toEqual([]);
    expect(await ops().inspectTask('1')).toMatchObject({ state: 'cancelled', record: record('1') });
  });

  it('cancels a claimed task: its claim goes stale and a periodic task has no next occurrence', async () => {
    const now = await store.redisTime();
    const { token } = await acceptOne('p', record('p', { intervalMs: MINUTE }), now);

    expect(await ops().cancelTask('p')).toEqual({ code: 'cancelled' });
    const { stale } = await store.startRuns(LEASE, [{ id: 'p', dueMs: now, token }]);
    expect(stale).toHaveLength(1);
    expect(await redis.zcard(keys.due)).toBe(0);
  });

  it('cancels a running task: tells its instance on the control channel, and a requeued run waits for it', async () => {
    const subscriber = redis.duplicate();
    const heard: string[] = [];
    await subscriber.subscribe(keys.control);
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    try {
      const claim = await startNow('1', record('1'));

      expect(await ops().cancelTask('1')).toEqual({ code: 'running', runToken: claim.token });
      await eventually(() => heard.length === 1, 'the cancel message');
      expect(heard).toEqual([`cancel 1 ${claim.token}`]);
      expect(await store.renewLeases(LEASE, [claim])).toEqual([
        { id: '1', token: claim.token, reason: 'cancelled' },
      ]);
      expect(await ops().inspectTask('1')).toMatchObject({ state: 'cancelled' });

      const requeued = await ops().requeueTask('1');
      expect(requeued.code).toBe('requeued');
      const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
      const held = await store.startRuns(LEASE, claims);
      expect(held.later).toHaveLength(1);
      expect(await complete([{ ...claim, outcome: 'abandoned' }])).toEqual(['stale']);
      expect((await store.startRuns(LEASE, claims)).started).toHaveLength(1);
    } finally {
      subscriber.disconnect();
    }
  });

  it('cancels a failed task, and answers notFound for an unknown one', async () => {
    const claim = await startNow('f', record('f'));
    await complete([{ ...claim, outcome: 'error', error: 'boom' }]);

    expect(await ops().cancelTask('f')).toEqual({ code: 'cancelled' });
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(Number(await redis.get(keys.failedBytes))).toBe(0);
    expect(await ops().cancelTask('nope')).toEqual({ code: 'notFound' });
  });

  it('requeues a failed task due now, its attempts afresh; refuses a pending one', async () => {
    const claim = await startNow('f', record('f'));
    await complete([{ ...claim, outcome: 'error', error: 'boom' }]);
    const before = await store.redisTime();

    const requeued = await ops().requeueTask('f');

    expect(requeued.code).toBe('requeued');
    expect(requeued.dueMs).toBeGreaterThanOrEqual(before);
    expect(await score(keys.due, 'f')).toBe(requeued.dueMs);
    expect(await redis.zcard(keys.failed)).toBe(0);
    expect(await redis.hget(keys.attempts, 'f')).toBeNull();
    expect(await ops().requeueTask('f')).toEqual({ code: 'notFinished' });
    expect(await ops().requeueTask('nope')).toEqual({ code: 'notFound' });
  });

  it('inspects each live state with its fields', async () => {
    const now = await store.redisTime();
    await acceptOne('waiting', record('waiting'), now + MINUTE);
    const running = await startNow('running', record('running'));
    const failing = await startNow('failed', record('failed'));
    await complete([{ ...failing, outcome: 'timeout', error: 'slow' }]);

    expect(await ops().inspectTask('waiting')).toEqual({
      id: 'waiting',
      state: 'pending',
      record: record('waiting'),
      dueMs: now + MINUTE,
      attempt: 0,
    });
    expect(await ops().inspectTask('running')).toMatchObject({
      state: 'running',
      dueMs: running.dueMs,
      attempt: 1,
    });
    const failed = await ops().inspectTask('failed');
    expect(failed).toMatchObject({ state: 'failed', attempt: 0 });
    expect(JSON.parse(failed!.lastFailure!)).toMatchObject({ outcome: 'timeout', error: 'slow' });
    expect(failed!.finishedAtMs).toBeGreaterThanOrEqual(now);
    expect(await ops().inspectTask('nope')).toBeUndefined();
  });

  it('lists a state page by page, oldest first', async () => {
    const now = await store.redisTime();
    for (let i = 0; i < 5; i++) await acceptOne(`t${i}`, record(`t${i}`), now + MINUTE + i);

    const first = await ops().listTasks('pending', 2);
    const second = await ops().listTasks('pending', 2, first.cursor!);
    const last = await ops().listTasks('pending', 2, second.cursor!);

    expect([...first.tasks, ...second.tasks, ...last.tasks].map((t) => t.id)).toEqual([
      't0',
      't1',
      't2',
      't3',
      't4',
    ]);
    expect(last.cursor).toBeNull();
    expect((await ops().listTasks('failed', 10)).tasks).toEqual([]);
  });

  it('counts by state, the lag of the oldest overdue task included', async () => {
    const now = await store.redisTime();
    await store.acceptTasks(OWNER, null, LEASE, [item('late', record('late'), now - 5_000)]);
    await acceptOne('later', record('later'), now + MINUTE);
    await startNow('running', record('running'));
    const failing = await startNow('failed', record('failed'));
    await complete([{ ...failing, outcome: 'error', error: 'x' }]);
    await acceptOne('cancel', record('cancel'), now + MINUTE);
    await ops().cancelTask('cancel');
    await store.keepDeadLetter('{}', 10, 1024);

    const stats = await ops().stats();

    expect(stats).toMatchObject({
      pending: 3,
      running: 1,
      failed: 1,
      cancelled: 1,
      deadLetters: 1,
      missed: 0,
      expired: 0,
    });
    expect(stats.oldestDueLagMs).toBeGreaterThanOrEqual(5_000);
    expect(stats.oldestDueLagMs).toBeLessThan(15_000);
  });
});

describe('retries, decided where the failure is recorded', () => {
  const failWith = (claim: Claim, maxAttempts: number, delayMs: number, schedule?: ScheduleStep) =>
    store.completeRuns(OWNER, null, LEASE, [
      {
        ...claim,
        outcome: 'error',
        error: 'boom',
        attempt: 1,
        retry: { maxAttempts, delayMs },
        ...(schedule && { schedule }),
      },
    ]);

  it('schedules a retry after its delay by the Redis clock, keeping the attempt count', async () => {
    const claim = await startNow('1', record('1'));
    const before = await store.redisTime();

    const [result] = await failWith(claim, 3, 5_000);

    expect(result.code).toBe('retry');
    expect(await score(keys.due, '1')).toBeGreaterThanOrEqual(before + 5_000);
    expect(await redis.hget(keys.attempts, '1')).toBe('1');
    expect(JSON.parse((await redis.hget(keys.failures, '1')) ?? '{}')).toMatchObject({
      error: 'boom',
    });
    expect(await redis.zcard(keys.failed)).toBe(0);
  });

  it('counts the attempts across retries and fails the task after the last one', async () => {
    const now = await store.redisTime();
    await store.acceptTasks(OWNER, null, LEASE, [item('1', record('1'), now)]);
    const codes: string[] = [];
    const attempts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await redis.zadd(keys.due, await store.redisTime(), '1'); // due now, rather than wait
      const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
      const { started } = await store.startRuns(LEASE, claims);
      attempts.push(started[0].attempt);
      codes.push((await failWith(claims[0], 3, 1))[0].code);
    }

    expect(attempts).toEqual([1, 2, 3]);
    expect(codes).toEqual(['retry', 'retry', 'failed']);
    expect(await redis.zrange(keys.failed, 0, -1)).toEqual(['1']);
    expect(await redis.hget(keys.attempts, '1')).toBeNull();
  });

  it('never retries a periodic occurrence past its next one: it moves on instead', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: 2_000 }), now);

    const [late] = await failWith(claim, 5, 3_000, nextAt(now + 2_000));

    expect(late.code).toBe('next');
    expect(await score(keys.due, 'p')).toBe(now + 2_000);
    expect(await redis.hget(keys.attempts, 'p')).toBeNull();
  });

  it('retries a periodic occurrence when the retry comes before the next one', async () => {
    const now = await store.redisTime();
    const claim = await startNow('p', record('p', { intervalMs: MINUTE }), now);

    const [soon] = await failWith(claim, 5, 1_000, nextAt(now + MINUTE));

    expect(soon.code).toBe('retry');
    expect(await score(keys.due, 'p')).toBeLessThan(now + MINUTE);
    expect(await redis.hget(keys.attempts, 'p')).toBe('1');
  });

  it('retries the last occurrence of a periodic task whose schedule is over', async () => {
    const claim = await startNow('p', record('p', { intervalMs: MINUTE }));

    const [last] = await failWith(claim, 5, 10 * MINUTE, { missed: 0 });

    expect(last.code).toBe('retry');
    expect(await redis.hexists(keys.tasks, 'p')).toBe(1);
  });

  it('does not count retried attempts as lost runs: the stall limit still allows one re-run', async () => {
    const now = await store.redisTime();
    await store.acceptTasks(OWNER, null, LEASE, [item('1', record('1'), now)]);
    for (let i = 0; i < 2; i++) {
      await redis.zadd(keys.due, await store.redisTime(), '1');
      const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
      await store.startRuns(LEASE, claims);
      await failWith(claims[0], 5, 1);
    }
    await redis.zadd(keys.due, await store.redisTime(), '1');
    const { claims } = await store.claimDue(OWNER, WINDOW, LEASE, 10);
    const third = await store.startRuns(LEASE, claims);

    expect(third.stalled).toEqual([]);
    expect(third.started.map((run) => run.attempt)).toEqual([3]);
  });
});

describe('history of done tasks', () => {
  it('keeps the record of a done task to inspect, until pruned by age or count', async () => {
    const claim = await startNow('1', record('1'));
    await complete([{ ...claim, outcome: 'ok' }]);

    const ops = new OperationsStore(redis, keys);
    expect(await ops.inspectTask('1')).toMatchObject({ state: 'done', record: record('1') });
    expect((await ops.listTasks('done', 10)).tasks.map((t) => t.id)).toEqual(['1']);

    await sleep(20);
    const short = new TaskStore(redis, keys, { ...STORE_LIMITS, historyRetentionMs: 10 });
    expect(await short.pruneFinished(100)).toBeGreaterThanOrEqual(1);
    expect(await ops.inspectTask('1')).toBeUndefined();
    expect(await redis.hlen(keys.history)).toBe(0);
  });
});

describe('fencing tokens', () => {
  it('grow with every claim of the same task', async () => {
    const now = await store.redisTime();
    const tokens: number[] = [];
    tokens.push((await acceptOne('1', record('1'), now, 200)).token);

    await store.releaseClaims([{ id: '1', token: tokens[0] }]);
    tokens.push((await store.claimDue(OWNER, WINDOW, 200, 10)).claims[0].token);

    await sleep(300);
    expect(await store.reclaimExpired(10)).toBe(1);
    tokens.push((await store.claimDue('instance-b', WINDOW, LEASE, 10)).claims[0].token);

    tokens.push((await acceptOne('1', record('1', { timeoutMs: 1 }), now)).token);

    for (let i = 1; i < tokens.length; i++) expect(tokens[i]).toBeGreaterThan(tokens[i - 1]);
    expect(await redis.hget(keys.lease, '1')).toBe(`${tokens[3]}|${now}|${OWNER}`);
  });
});

describe('keepDeadLetter and counts', () => {
  it('keeps the newest entries up to maxCount', async () => {
    for (let i = 1; i <= 5; i++) await store.keepDeadLetter(JSON.stringify({ n: i }), 3, 1024);
    expect(await redis.lrange(keys.dead, 0, -1)).toEqual(['{"n":5}', '{"n":4}', '{"n":3}']);
    expect(await redis.get(keys.deadBytes)).toBe('21');
  });

  it('keeps the newest entries up to maxBytes, but always the newest one', async () => {
    const entry = (n: number): string => JSON.stringify({ n, pad: 'x'.repeat(90) });
    const dropped: number[] = [];
    for (let i = 1; i <= 5; i++) dropped.push(await store.keepDeadLetter(entry(i), 100, 250));
    expect(await redis.lrange(keys.dead, 0, -1)).toEqual([entry(5), entry(4)]);
    expect(Number(await redis.get(keys.deadBytes))).toBe(2 * entry(1).length);
    expect(dropped).toEqual([0, 0, 1, 1, 1]);

    expect(await store.keepDeadLetter('y'.repeat(1000), 100, 250)).toBe(2);
    expect(await redis.lrange(keys.dead, 0, -1)).toEqual(['y'.repeat(1000)]);
  });

  it('counts every set in one call', async () => {
    const now = await store.redisTime();
    await acceptOne('due', record('due'), now + MINUTE);
    await acceptOne('leased', record('leased'), now);
    const failed = await startNow('failed', record('failed'));
    await complete([{ ...failed, outcome: 'error', error: 'x' }]);
    const done = await startNow('done', record('done'));
    await complete([{ ...done, outcome: 'ok' }]);
    await store.keepDeadLetter('{}', 10, 1024);

    expect(await store.counts()).toEqual({
      tasks: 3,
      due: 1,
      leased: 1,
      failed: 1,
      done: 1,
      dead: 1,
    });
    expect(Math.abs((await store.redisTime()) - Date.now())).toBeLessThan(5_000);
  });
});

describe('prefix isolation', () => {
  it('keeps two prefixes on one Redis apart, every key under its own hash tag', async () => {
    const other = new TaskStore(redis, new TaskKeys('other:'), STORE_LIMITS);
    const now = await store.redisTime();
    const claim = await startNow('1', record('1'));
    await complete([{ ...claim, outcome: 'ok' }]);
    await acceptOne('2', record('2'), now + MINUTE);
    await store.keepDeadLetter('{}', 5, 1024);

    const { results } = await other.acceptTasks(OWNER, WINDOW, LEASE, [
      { id: '1', record: record('1'), dueMs: now },
      { id: '2', record: record('2'), dueMs: now + MINUTE },
    ]);

    expect(results.map((r) => r.status)).toEqual(['stored', 'stored']);
    expect(results[0].token).toBe(1);
    expect(await other.counts()).toEqual({
      tasks: 2,
      due: 1,
      leased: 1,
      failed: 0,
      done: 0,
      dead: 0,
    });
    expect(await store.counts()).toEqual({
      tasks: 1,
      due: 1,
      leased: 0,
      failed: 0,
      done: 1,
      dead: 1,
    });
    const all = await redis.keys('*');
    expect(all.length).toBeGreaterThan(0);
    for (const key of all) expect(key).toMatch(/^\{(remote-task0:|other:)\}/);
    expect(all.filter((key) => key.startsWith('{other:}')).sort()).toEqual(
      [
        other.keys.tasks,
        other.keys.due,
        other.keys.leased,
        other.keys.lease,
        other.keys.fence,
      ].sort(),
    );
  });

  it('rejects prefixes that would break the hash tag', () => {
    expect(() => new TaskKeys('a{b}')).toThrow(StoreArgumentError);
    expect(() => new TaskKeys('')).toThrow(StoreArgumentError);
  });
});

describe('memory', () => {
  it('stays well under 1 kB of Redis memory per pending task', async () => {
    const count = 20_000;
    const usedMemory = async () =>
      Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN);
    const now = await store.redisTime();
    const before = await usedMemory();
    for (let start = 0; start < count; start += 2_000) {
      const items = Array.from({ length: 2_000 }, (_, i) => {
        const id = String(1_900_000_000_000_000_000n + BigInt(start + i));
        const dueMs = now + 3_600_000 + (start + i) * 997;
        const rec = record(id, { toRunAtMs: dueMs, timeoutMs: 5_000 });
        return { id, record: rec, dueMs };
      });
      await store.acceptTasks(OWNER, WINDOW, LEASE, items);
    }
    const perTask = ((await usedMemory()) - before) / count;

    expect((await store.counts()).due).toBe(count);
    expect(perTask).toBeGreaterThan(0);
    expect(perTask).toBeLessThan(1_000);
  });
});

describe('scripts and replies', () => {
  it('names the folder when scripts are missing', () => {
    const client = new Redis({ lazyConnect: true });
    try {
      expect(() => loadScripts(client, '/nonexistent/lua')).toThrow(ScriptLoadError);
      expect(() => loadScripts(client, __dirname)).toThrow(/missing in .*acceptTasks/);
    } finally {
      client.disconnect();
    }
  });

  it('refuses a keyPrefix', () => {
    expect(() => createRedisClient({ keyPrefix: 'x:', lazyConnect: true })).toThrow(
      StoreArgumentError,
    );
  });

  it('throws UnexpectedReplyError when a script answers in the wrong shape', async () => {
    const client = createRedisClient({ host: '127.0.0.1', port: server.port });
    try {
      client.defineCommand('claimDue', { numberOfKeys: 4, lua: "return {'x', 'y'}" });
      await expect(
        new TaskStore(client, keys, STORE_LIMITS).claimDue(OWNER, 0, LEASE, 1),
      ).rejects.toThrow(UnexpectedReplyError);
    } finally {
      await client.quit();
    }
  });
});

describe('RedisServerProcess', () => {
  it('reloads append-only data after a kill and restart on the same port', async () => {
    const aof = await RedisServerProcess.start({ appendonly: true });
    try {
      const client = new Redis(aof.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      await client.set('k', 'v');
      client.disconnect();
      const port = aof.port;
      await aof.kill();
      expect(aof.running).toBe(false);
      await aof.restart();
      expect(aof.port).toBe(port);
      const again = new Redis(aof.url);
      expect(await again.get('k')).toBe('v');
      await again.quit();
    } finally {
      await aof.dispose();
    }
  });
});
