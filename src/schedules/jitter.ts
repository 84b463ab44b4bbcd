import { createHash } from 'node:crypto';

const TWO_TO_THE_32 = 2 ** 32;

/**
 * How long after its due time an occurrence starts, in [0, jitterMs) whole ms, so that many tasks
 * on the same schedule do not all start in the same millisecond. Deterministic: every instance
 * computes the same value from the task ID and the occurrence, so any of them may start it.
 *
 * Definition (the store's Lua computes the same with `redis.sha1hex`, keep the two identical):
 * u = the first 8 hex digits of SHA-1(`${id}|${occurrenceMs}`) as an unsigned 32-bit integer,
 * offset = floor(u * jitterMs / 2^32); 0 when jitterMs <= 0. `occurrenceMs` is written as plain
 * decimal digits (in Lua `string.format('%d', ms)`: `tostring` writes 1e+14 from 10^14 on). Both
 * sides evaluate the expression in doubles, so they agree bit for bit.
 */
export function jitterOffsetMs(id: string, occurrenceMs: number, jitterMs: number): number {
  if (!(jitterMs > 0)) return 0;
  const digest = createHash('sha1').update(`${id}|${occurrenceMs}`).digest('hex');
  const u = Number.parseInt(digest.slice(0, 8), 16);
  return Math.floor((u * jitterMs) / TWO_TO_THE_32);
}
