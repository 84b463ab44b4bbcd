import type { LoggerService } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { StoreArgumentError } from './errors';
import { loadScripts } from './load-scripts';
import { OutageLog } from '../logging/outage-log';
import { RedisRefusedError } from './redis-handshake';

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

/**
 * The store's client, once Redis has answered: outages are logged once each way, and a refused
 * AUTH or SELECT (the client then stops, see `handshakeConnector`) rejects at start and is
 * logged as an error later on. `server` names Redis in logs (its URL, password redacted).
 */
export async function connectRedisClient(
  options: RedisOptions,
  server: string,
  logger: LoggerService,
): Promise<Redis> {
  const redis = createRedisClient(options);
  const outage = new OutageLog(logger, `reach Redis at ${server}`);
  let started = false;
  redis.on('error', (error: Error) => {
    if (!(error instanceof RedisRefusedError)) outage.failed(error);
    // At start the refusal rejects the first command below; it is reported once, from there.
    else if (started) logger.error(`${error.message}. This Redis client has stopped.`);
  });
  redis.on('ready', () => outage.succeeded());
  try {
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  started = true;
  return redis;
}
