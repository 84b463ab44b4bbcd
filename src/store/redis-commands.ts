/**
 * Types of the custom commands that `loadScripts` defines on ioredis clients (one per script in
 * `lua/`). Arguments are the script's KEYS then ARGV; replies are checked by TaskStore, so they
 * are typed `unknown` here.
 */
import type { Result } from 'ioredis';

/** One KEYS or ARGV element. */
export type ScriptArg = string | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** acceptTasks-10.lua → [nowMs, (code, token)*] */
    acceptTasks(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** claimDue-4.lua → [nowMs, (id, dueMs, token)*] */
    claimDue(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** startRuns-4.lua → [nowMs, (record | '', attempt)*] */
    startRuns(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** renewLeases-2.lua → lost ids */
    renewLeases(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** completeRuns-9.lua → [nowMs, code*] */
    completeRuns(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** reclaimExpired-4.lua → number reclaimed */
    reclaimExpired(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** releaseClaims-3.lua → number released */
    releaseClaims(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** pruneCompleted-2.lua → number pruned */
    pruneCompleted(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
    /** keepDeadLetter-2.lua → number of older entries dropped */
    keepDeadLetter(...keysAndArgs: ScriptArg[]): Result<unknown, Context>;
  }
}
