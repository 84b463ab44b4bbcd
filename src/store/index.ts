export * from './errors';
export { DEFAULT_KEY_PREFIX, TaskKeys } from './keys';
export { loadScripts, SCRIPTS_FOLDER, STORE_SCRIPTS, type StoreScript } from './load-scripts';
export { createRedisClient } from './redis-client';
export * from './task-store';
export * from './operations-store';
