import type { LoggerService } from '@nestjs/common';
import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { StoreArgumentError } from './errors';
import { loadScripts } from './load-scripts';
import { OutageLog } from '../logging/outage-log';
import { type RedisConnection, type RedisTweaks, openRedis } from './redis-connection';
import { RedisRefusedError } from './redis-handshake';
import type { RedisLike } from './redis-like';

/**
 * Creates an ioredis client with the task store scripts defined. Keys are named in full by
 * TaskKeys, so `keyPrefix` must not be set (it would break the `{prefix}` hash tags).
 */
export function createRedisClient(options: RedisOptions): Redis {
  refuseKeyPrefix(options.keyPrefix);
  const redis = new Redis(options);
  loadScripts(redis);
  return redis;
}

/** As `createRedisClient`, for the connection the settings describe: a Redis or a Cluster. */
export function createRedisLike(connection: RedisConnection, tweaks?: RedisTweaks): RedisLike {
  refuseKeyPrefix(
    connection.cluster ? connection.options.redisOptions?.keyPrefix : connection.options.keyPrefix,
  );
  const redis = openRedis(connection, tweaks);
  loadScripts(redis);
  return redis;
}

function refuseKeyPrefix(keyPrefix: string | undefined): void {
  if (keyPrefix) {
    throw new StoreArgumentError(
      'keyPrefix',
      keyPrefix,
      'no keyPrefix (set the prefix through TaskKeys instead)',
    );
  }
}

/** Replies that say the credentials are refused: reconnecting cannot help. */
const REFUSED_AUTH = /^(WRONGPASS|NOAUTH|NOPERM|ERR invalid password|ERR AUTH)/;

/**
 * The store's client, once Redis has answered: outages are logged once each way, and a refused
 * AUTH or SELECT (the client then stops, see `handshakeConnector`) rejects at start and is
 * logged as an error later on. Logs name Redis by `connection.server` (password redacted).
 *
 * On a cluster, a node's failure is logged once until the slots are read again (after a
 * failover, say), and a node refusing the credentials stops the client as a refused AUTH does
 * on a single Redis: the client emits a RedisRefusedError.
 */
export async function connectRedisClient(
  connection: RedisConnection,
  logger: LoggerService,
): Promise<RedisLike> {
  const { server } = connection;
  const redis = createRedisLike(connection);
  const outage = new OutageLog(logger, `reach Redis at ${server}`);
  let started = false;
  let refusedAtStart: ((error: RedisRefusedError) => void) | undefined;
  const refusal = new Promise<never>((_, reject) => (refusedAtStart = reject));
  refusal.catch(() => undefined);
  redis.on('error', (error: Error) => {
    if (!(error instanceof RedisRefusedError)) outage.failed(error);
    // At start the refusal rejects the first command below; it is reported once, from there.
    else if (started) logger.error(`${error.message}. This Redis client has stopped.`);
  });
  redis.on('ready', () => outage.succeeded());
  if (connection.cluster) {
    const nodeOutage = new OutageLog(logger, `reach every node of Redis Cluster ${server}`);
    let refused = false;
    redis.on('node error', (error: Error, address: string) => {
      if (refused) return;
      if (REFUSED_AUTH.test(error.message)) {
        refused = true;
        const stopped = new RedisRefusedError(`${address} of ${server}`, 'AUTH', error.message);
        redis.disconnect();
        refusedAtStart?.(stopped);
        redis.emit('error', stopped);
        return;
      }
      nodeOutage.failed(new Error(`${address}: ${error.message}`));
    });
    whenNodesAnswer(redis as Cluster, () => nodeOutage.succeeded());
  }
  try {
    await Promise.race([redis.ping(), refusal]);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  started = true;
  refusedAtStart = undefined;
  return redis;
}

/**
 * Calls `recovered` once the nodes that failed (`node error`) have left the cluster's slots (a
 * failover) or are connected again, as seen after the cluster reads its slots.
 */
export function whenNodesAnswer(cluster: Cluster, recovered: () => void): void {
  const failing = new Set<string>();
  cluster.on('node error', (_error: Error, address: string) => failing.add(address));
  cluster.on('refresh', () => {
    if (failing.size === 0) return;
    const status = new Map(
      cluster.nodes().map((node) => [`${node.options.host}:${node.options.port}`, node.status]),
    );
    for (const address of failing) {
      const now = status.get(address);
      if (now !== undefined && now !== 'ready') return;
    }
    failing.clear();
    recovered();
  });
}
