import { Redis, type RedisOptions } from 'ioredis';
import { StoreArgumentError } from './errors';
import { loadScripts } from './load-scripts';

/**
 * Creates an ioredis client with the task store scripts defined. Keys are named in full by
 * TaskKeys, so `keyPrefix` must not be set (it would break the `{prefix}` hash tags).
 */
export function createRedisClient(options: RedisOptions): Redis {
  if (options.keyPrefix) {
    throw new StoreArgumentError(
      'keyPrefix',
      options.keyPrefix,
      'no keyPrefix (set the prefix through TaskKeys instead)',
    );
  }
  const redis = new Redis(options);
  loadScripts(redis);
  return redis;
}
