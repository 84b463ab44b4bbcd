import fc from 'fast-check';
import Redis from 'ioredis';
import { defaultOptions } from '../../src/config/default-options';
import { acceptItem } from '../../src/store/accept-item';
import { DelayTaskTransport } from '../../src/ingest/delay-task.transport';
import { parseTask } from '../../src/ingest/parse-task';
import { jitterOffsetMs } from '../../src/schedules/jitter';
import { TaskMessageDeserializer } from '../../src/ingest/task-message.deserializer';
import { createRedisClient, TaskKeys, TaskStore } from '../../src/store';
import {
  CHANNEL,
  PARSE_OPTIONS,
  SOON,
  keyToken,
  likelyTaskText,
  valueToken,
} from '../support/message-arbitraries';
import { RedisServerProcess } from '../support/redis-server';
import { STORE_LIMITS } from '../support/store-limits';

/**
 * Every record ingest accepts goes through every script as it was accepted: stored, claimed,
 * started (the record handed back byte for byte), renewed, completed, and a periodic one stays
 * periodic, whatever its payload holds (lone surrogates, deep nesting, huge numbers).
 */
const OWNER = 'prop';
const LEASE = 30_000;
const parseOptions = PARSE_OPTIONS;
const transport = new DelayTaskTransport(defaultOptions());
const deserializer = new TaskMessageDeserializer(CHANNEL);

let server: RedisServerProcess;
let redis: Redis;
let store: TaskStore;

beforeAll(async () => {
  server = await RedisServerProcess.start();
  redis = createRedisClient({ host: '127.0.0.1', port: server.port });
  store = new TaskStore(redis, new TaskKeys('prop:'), STORE_LIMITS);
});

afterAll(async () => {
  await redis.quit();
  await server.dispose();
});

/** Valid tasks, once or periodic, whose payload holds anything JSON can. */
const validTaskText = fc
  .tuple(
    fc.boolean(),
    fc.bigInt({ min: 1n, max: 2n ** 62n }),
    fc.array(fc.tuple(keyToken, fc.oneof(valueToken, fc.json())), { maxLength: 6 }),
  )
  .map(([periodic, id, payload]) => {
    const fields = [
      `"ID":"${id}"`,
      periodic ? '"Name":"PeriodPingTask","Interval":"60"' : '"Name":"OncePingTask"',
      `"ToRunAt":${SOON}`,
      ...payload.map(([key, value]) => `${key}:${value}`),
    ];
    return `{${fields.join(',')}}`;
  });

it('takes every accepted record through every script without a decode failure', async () => {
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof({ arbitrary: validTaskText, weight: 4 }, likelyTaskText),
      async (text) => {
        const result = parseTask(
          deserializer.deserialize(transport.parseMessage(text)).data,
          parseOptions,
        );
        if (!result.ok) return;
        accepted++;
        await redis.flushall();
        const { spec } = result;
        const periodic = spec.intervalMs !== undefined || spec.cron !== undefined;
        const jitterMs = spec.jitterMs ?? 0;
        // Due on the Redis clock early enough to start now, whatever its Jitter; the schedule's
        // own times were checked by parseTask.
        const dueMs = (await store.redisTime()) - jitterMs;
        const item = acceptItem(spec, dueMs);
        const { record } = item;
        expect(record).toBe(JSON.stringify(spec));
        const { results } = await store.acceptTasks(OWNER, 10_000, LEASE, [item]);
        expect(results[0].status).toBe('stored');
        const claim = { id: spec.id, dueMs, token: results[0].token! };

        const { started } = await store.startRuns(LEASE, [claim]);
        const plannedMs = dueMs + (periodic ? jitterOffsetMs(spec.id, dueMs, jitterMs) : 0);
        expect(started).toEqual([{ ...claim, record, attempt: 1, plannedMs }]);
        expect(await store.renewLeases(LEASE, [claim])).toEqual([]);
        // The runner's step to a next occurrence (the store keeps no calendar of its own).
        const schedule = periodic ? { nextMs: dueMs + 60_000, missed: 0 } : undefined;
        const [done] = await store.completeRuns(OWNER, null, LEASE, [
          { ...claim, outcome: 'ok', ...(schedule && { schedule }) },
        ]);

        expect(done.code).toBe(periodic ? 'next' : 'done');
        const again = await store.acceptTasks(OWNER, 10_000, LEASE, [item]);
        expect(again.results[0].status).toBe(periodic ? 'duplicate' : 'completed');
      },
    ),
    { numRuns: 300 },
  );
  // The generator must mostly make tasks that are accepted, or this proves little.
  expect(accepted).toBeGreaterThan(100);
}, 60_000);
