import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { jitterOffsetMs } from '../../src/schedules/jitter';
import { createRedisClient, TaskKeys, TaskStore } from '../../src/store';
import { RedisServerProcess } from '../support/redis-server';
import { STORE_LIMITS } from '../support/store-limits';

/**
 * One Jitter: the runner judges lateness from the start time startRuns gives back (plannedMs), and
 * startRuns computes it in Lua with `redis.sha1hex` (scripts cannot call TypeScript). The two must
 * agree bit for bit on every ID and due time, or instances would disagree on when an occurrence
 * may start. The Lua is the real startRuns, run by a real redis-server: each case is a periodic
 * task accepted and claimed at its due time, then started (its planned time past) or held back
 * until it (in the future); either answer carries the planned time.
 */
const OWNER = 'jitter';
const LEASE = 30_000;
/** Well past any ToRunAt ingest accepts (year 2527), and the result stays a safe integer. */
const MAX_TIME = 2 ** 44;
/** The largest Jitter ingest accepts: a day. */
const MAX_JITTER = 86_400_000;
/** Claims every case at accept, whatever its due time. */
const WINDOW = 2 ** 45;

interface JitterCase {
  id: string;
  dueMs: number;
  jitterMs: number;
}

const id = fc.oneof(
  fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String), // a producer's int64 ID
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), // any code points: unicode, '|', NUL
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
);
const dueMs = fc.oneof(
  fc.integer({ min: 0, max: MAX_TIME }),
  // Around now: these ones start (or wait a little), the far future ones are held back.
  fc.integer({ min: -2 * MAX_JITTER, max: 2 * MAX_JITTER }).map((ms) => Date.now() + ms),
  fc.constantFrom(0, 1, 999, 1_000, 2 ** 31, 2 ** 32, 10 ** 13, MAX_TIME),
);
const jitterMs = fc.oneof(
  fc.integer({ min: 1, max: MAX_JITTER }),
  fc.integer({ min: 1, max: 1_000 }),
  fc.constantFrom(1, 2, 999, 1_000, 60_000, MAX_JITTER),
);
/** A batch of cases with distinct IDs, run in one accept and one start. */
const batch = fc.uniqueArray(
  fc.record({ id, dueMs, jitterMs }).map((c): JitterCase => c),
  { minLength: 1, maxLength: 20, selector: (c) => c.id },
);

let server: RedisServerProcess;
let redis: Redis;
let store: TaskStore;

beforeAll(async () => {
  server = await RedisServerProcess.start();
  redis = createRedisClient({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
  store = new TaskStore(redis, new TaskKeys('jitter:'), STORE_LIMITS);
});

afterAll(async () => {
  await redis.quit();
  await server.dispose();
});

/** The start time the Lua gives each case's occurrence, by ID. */
async function luaPlannedMs(cases: JitterCase[]): Promise<Map<string, number>> {
  await redis.flushall();
  const { results } = await store.acceptTasks(
    OWNER,
    WINDOW,
    LEASE,
    cases.map((c) => ({
      id: c.id,
      record: JSON.stringify({ id: c.id, name: 'PeriodPingTask', payload: {} }),
      dueMs: c.dueMs,
      period: { intervalMs: 60_000, jitterMs: c.jitterMs },
    })),
  );
  const claims = cases.map((c, i) => {
    expect(results[i]).toEqual({ status: 'stored', token: expect.any(Number) as number });
    return { id: c.id, dueMs: c.dueMs, token: results[i].token! };
  });
  const { started, later, stale, stalled } = await store.startRuns(LEASE, claims);
  expect(stale).toEqual([]);
  expect(stalled).toEqual([]);
  const planned = new Map<string, number>();
  for (const run of started) planned.set(run.id, run.plannedMs);
  for (const { claim, atMs } of later) planned.set(claim.id, atMs);
  expect(planned.size).toBe(cases.length);
  return planned;
}

it('spreads an occurrence in Lua exactly as jitterOffsetMs does in TypeScript', async () => {
  const NOW = Date.UTC(2025, 10, 26, 12);
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(batch, async (batchCases) => {
      const planned = await luaPlannedMs(batchCases);
      for (const c of batchCases) {
        const offset = jitterOffsetMs(c.id, c.dueMs, c.jitterMs);
        expect(offset).toBeGreaterThanOrEqual(0);
        expect(offset).toBeLessThan(c.jitterMs);
        expect({ ...c, offsetMs: planned.get(c.id)! - c.dueMs }).toEqual({
          ...c,
          offsetMs: offset,
        });
      }
      cases += batchCases.length;
    }),
    {
      numRuns: 200,
      examples: [
        [[{ id: '1', dueMs: NOW, jitterMs: MAX_JITTER }]], // a 13-digit time, a day's spread
        [[{ id: '9223372036854775807', dueMs: MAX_TIME, jitterMs: MAX_JITTER }]],
        [[{ id: 'msg:abc', dueMs: 0, jitterMs: 1 }]], // one ms: always 0
        [[{ id: 'ä|漢字|😀', dueMs: 1e13, jitterMs: 4_294 }]], // multibyte UTF-8, a '|' in the ID
      ],
    },
  );
  // The batches must add up to many cases, or this proves little.
  expect(cases).toBeGreaterThan(1_000);
});
