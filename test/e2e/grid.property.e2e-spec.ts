import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { firstGridPointAtOrAfter } from '../../src/domain/grid';
import { createRedisClient } from '../../src/store';
import { expandIncludes } from '../../src/store/load-scripts';
import { RedisServerProcess } from '../support/redis-server';

/**
 * One grid: ingest places a periodic task with `firstGridPointAtOrAfter` of src/domain/grid.ts,
 * the scripts move it on with their Lua twin in occurrence.lua (scripts cannot call TypeScript).
 * The Lua is the include as the scripts get it, run by a real redis-server: the include defines
 * only functions, so a script may include it and call just the grid one.
 */
const GRID_SCRIPT = expandIncludes(
  '-- @include grid\n' +
    'return firstGridPointAtOrAfter(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))\n',
);
/** Well past any ToRunAt ingest accepts (year 2527), and the result stays a safe integer. */
const MAX_TIME = 2 ** 44;
const MAX_INTERVAL = 2 ** 52;

interface GridCase {
  anchorMs: number;
  intervalMs: number;
  timeMs: number;
}

const interval = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 1, max: 2 ** 32 }),
  fc.integer({ min: 1, max: MAX_INTERVAL }),
);
const gridCase: fc.Arbitrary<GridCase> = fc
  .tuple(fc.integer({ min: 0, max: MAX_TIME }), interval)
  .chain(([anchorMs, intervalMs]) =>
    fc
      .oneof(
        // Any time: before the anchor, or after it by up to its whole range (a past anchor).
        fc.integer({ min: 0, max: MAX_TIME }),
        // A point of the grid, or a millisecond either side of it.
        fc
          .tuple(
            fc.integer({ min: 0, max: Math.floor(MAX_TIME / intervalMs) }),
            fc.integer({ min: -1, max: 1 }),
          )
          .map(([k, offset]) => anchorMs + k * intervalMs + offset),
      )
      .map((timeMs) => ({ anchorMs, intervalMs, timeMs })),
  );

let server: RedisServerProcess;
let redis: Redis;

beforeAll(async () => {
  server = await RedisServerProcess.start();
  redis = createRedisClient({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await redis.quit();
  await server.dispose();
});

async function luaGridPoint({ anchorMs, intervalMs, timeMs }: GridCase): Promise<number> {
  const reply: unknown = await redis.eval(GRID_SCRIPT, 0, anchorMs, intervalMs, timeMs);
  if (typeof reply !== 'number') throw new Error(`unexpected reply ${String(reply)}`);
  return reply;
}

it('gives the first grid point at or after a time in Lua exactly as in TypeScript', async () => {
  const NOW = Date.UTC(2025, 10, 26, 12);
  await fc.assert(
    fc.asyncProperty(gridCase, async (c) => {
      expect(await luaGridPoint(c)).toBe(
        firstGridPointAtOrAfter(c.anchorMs, c.intervalMs, c.timeMs),
      );
    }),
    {
      numRuns: 5000,
      examples: [
        [{ anchorMs: NOW, intervalMs: 60_000, timeMs: NOW }], // on the anchor
        [{ anchorMs: NOW, intervalMs: 60_000, timeMs: NOW + 120_000 }], // on a later point
        [{ anchorMs: NOW, intervalMs: 60_000, timeMs: NOW - 1 }], // before the anchor
        [{ anchorMs: 0, intervalMs: 700, timeMs: NOW }], // anchored 56 years back
        [{ anchorMs: NOW, intervalMs: MAX_INTERVAL, timeMs: NOW + 1 }], // one huge step
      ],
    },
  );
});
