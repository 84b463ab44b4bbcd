export * from './errors';
export { DEFAULT_KEY_PREFIX, TaskKeys } from './keys';
export { loadScripts, SCRIPTS_FOLDER, STORE_SCRIPTS, type StoreScript } from './load-scripts';
export { createRedisClient, createRedisLike } from './redis-client';
export {
  redisConnection,
  type RedisConnection,
  type RedisSettings,
  type RedisTweaks,
} from './redis-connection';
export type { RedisLike } from './redis-like';
export * from './task-store';
export * from './operations-store';
