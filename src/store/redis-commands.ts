/**
 * Types of the custom commands that `loadScripts` defines on ioredis clients (one per script in
 * `lua/`). Arguments are the script's KEYS then ARGV; replies are checked by TaskStore, so they
 * are typed `unknown` here.
 */
import type { ClientContext, Result } from 'ioredis';

/** One KEYS or ARGV element. */
export type ScriptArg = string | number;

type ScriptCommand<Context extends ClientContext> = (
  ...keysAndArgs: ScriptArg[]
) => Result<unknown, Context>;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** acceptTasks-13.lua → [nowMs, (code, token)*] */
    acceptTasks: ScriptCommand<Context>;
    /** claimDue-4.lua → [nowMs, (id, dueMs, token)*] */
    claimDue: ScriptCommand<Context>;
    /** startRuns-12.lua → [nowMs, (code, record, attempt, atMs)*] */
    startRuns: ScriptCommand<Context>;
    /** renewLeases-4.lua → [(lost id, token, reason)*] */
    renewLeases: ScriptCommand<Context>;
    /** completeRuns-12.lua → [nowMs, (code, token, nextMs)*] */
    completeRuns: ScriptCommand<Context>;
    /** reclaimExpired-4.lua → number reclaimed */
    reclaimExpired: ScriptCommand<Context>;
    /** releaseClaims-3.lua → number released */
    releaseClaims: ScriptCommand<Context>;
    /** pruneFinished-7.lua → number pruned */
    pruneFinished: ScriptCommand<Context>;
    /** keepDeadLetter-2.lua → number of older entries dropped */
    keepDeadLetter: ScriptCommand<Context>;
  }
}
