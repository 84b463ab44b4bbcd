/**
 * Types of the custom commands that `loadScripts` defines on ioredis clients: one per name in
 * STORE_SCRIPTS, the one list of the store's scripts. Arguments are the script's KEYS then ARGV;
 * replies are checked by TaskStore, so they are typed `unknown` here.
 */
import type { ClientContext, Result } from 'ioredis';
import type { StoreScript } from './load-scripts';

/** One KEYS or ARGV element. */
export type ScriptArg = string | number;

type ScriptCommands<Context extends ClientContext> = {
  [Name in StoreScript]: (...keysAndArgs: ScriptArg[]) => Result<unknown, Context>;
};

declare module 'ioredis' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the script commands in
  interface RedisCommander<Context> extends ScriptCommands<Context> {}
}
