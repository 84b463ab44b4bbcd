import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import SentinelConnector from 'ioredis/built/connectors/SentinelConnector';
import {
  isSentinelUrl,
  parseClusterNodes,
  parseRedisUrl,
  parseSentinelUrl,
  readRedisCa,
  redactClusterNodes,
  redactRedisUrl,
  type RedisNode,
} from '../config/redis-url';
import { handshakeConnector } from './redis-handshake';
import type StandaloneConnector from 'ioredis/built/connectors/StandaloneConnector';
import type { RedisLike } from './redis-like';

/** Where the engine's Redis is: the settings that say it. */
export interface RedisSettings {
  redisUrl: string;
  redisCaFile?: string;
  /** When set, the seed nodes of a Redis Cluster; `redisUrl` is then not used. */
  redisClusterNodes?: string;
}

/** How to open a connection to the engine's Redis, and how logs name it (no password). */
export type RedisConnection =
  | { readonly cluster: false; readonly server: string; readonly options: RedisOptions }
  | {
      readonly cluster: true;
      readonly server: string;
      readonly nodes: RedisNode[];
      readonly options: ClusterOptions;
    };

/** What a caller changes of the usual connection. */
export interface RedisTweaks {
  /** Connect only on `connect()` (or the first command). */
  lazyConnect?: boolean;
  /**
   * One attempt within this many ms, no reconnection, no queueing while away (a command-line
   * tool says at once that Redis is away rather than wait for it).
   */
  oneAttemptMs?: number;
  /** Delay before the n-th reconnection, or null to give up; replaces the usual backoff. */
  retryDelay?: (times: number) => number | null;
}

/** Backoff of a cluster client reconnecting when no node answers: outages are retried for ever. */
const CLUSTER_MAX_RETRY_DELAY_MS = 2000;

/**
 * The connection the settings describe: a cluster when `redisClusterNodes` is set, else the Redis
 * of `redisUrl` (a `redis+sentinel://` URL finds its master through Sentinel).
 */
export function redisConnection(settings: RedisSettings): RedisConnection {
  const { redisUrl, redisCaFile, redisClusterNodes } = settings;
  if (redisClusterNodes) {
    const { nodes, options } = clusterOptionsFromNodes(redisClusterNodes, redisCaFile);
    return { cluster: true, server: clusterServerName(redisClusterNodes), nodes, options };
  }
  return {
    cluster: false,
    server: redactRedisUrl(redisUrl),
    options: redisOptionsFromUrl(redisUrl, redisCaFile),
  };
}

/**
 * How long a client waits before it looks again at a Redis still loading its data after a
 * restart. ioredis waits the server's whole loading estimate (a second at least) by default: an
 * outage outlived the restart by seconds, and the leases held meanwhile lapsed to other instances.
 */
const LOADING_RECHECK_MS = 100;

/** How logs name the Redis the settings describe, without the password. */
export function redisServerName(settings: RedisSettings): string {
  return settings.redisClusterNodes
    ? clusterServerName(settings.redisClusterNodes)
    : redactRedisUrl(settings.redisUrl);
}

function clusterServerName(nodes: string): string {
  return `${redactClusterNodes(nodes)} (cluster)`;
}

/** A new client (an ioredis `Redis` or `Cluster`) for the connection; no scripts defined. */
export function openRedis(connection: RedisConnection, tweaks: RedisTweaks = {}): RedisLike {
  const { lazyConnect, oneAttemptMs, retryDelay } = tweaks;
  if (!connection.cluster) {
    return new Redis({
      ...connection.options,
      ...(lazyConnect ? { lazyConnect } : {}),
      ...(retryDelay ? { retryStrategy: retryDelay } : {}),
      ...(oneAttemptMs === undefined
        ? {}
        : {
            connectTimeout: oneAttemptMs,
            retryStrategy: () => null,
            sentinelRetryStrategy: () => null,
            maxRetriesPerRequest: 0,
          }),
    });
  }
  const { options } = connection;
  return new Cluster(connection.nodes, {
    ...options,
    ...(lazyConnect ? { lazyConnect } : {}),
    ...(retryDelay ? { clusterRetryStrategy: retryDelay } : {}),
    ...(oneAttemptMs === undefined
      ? {}
      : {
          clusterRetryStrategy: () => null,
          redisOptions: { ...options.redisOptions, connectTimeout: oneAttemptMs },
        }),
  });
}

/**
 * ioredis Cluster options for `REDIS_CLUSTER_NODES` (see `parseClusterNodes`). Writes and reads
 * go to masters only (a replica may lag behind what a script wrote); MOVED and ASK are followed,
 * and a command that meets a closed connection or CLUSTERDOWN during a failover is retried after
 * the slots are read again, for a few seconds. Commands wait in the offline queue while no node
 * is reachable, as they do on a single Redis, and the client reconnects for ever.
 *
 * Credentials go to ioredis itself rather than to the handshake connector of a single Redis:
 * ioredis opens its pub/sub connection of a cluster without the connector. A cluster has no
 * database to select.
 */
export function clusterOptionsFromNodes(
  text: string,
  caFile?: string,
): { nodes: RedisNode[]; options: ClusterOptions } {
  const { nodes, username, password, tls } = parseClusterNodes(text);
  return {
    nodes,
    options: {
      scaleReads: 'master',
      enableOfflineQueue: true,
      clusterRetryStrategy: (times: number) => Math.min(100 * times, CLUSTER_MAX_RETRY_DELAY_MS),
      retryDelayOnFailover: 250,
      retryDelayOnClusterDown: 250,
      retryDelayOnTryAgain: 100,
      // 32 tries, 250 ms apart: a failover of a few seconds is ridden through.
      maxRedirections: 32,
      slotsRefreshTimeout: 2000,
      redisOptions: {
        username,
        password,
        tls: tlsOptions(tls, caFile),
        maxLoadingRetryTime: LOADING_RECHECK_MS,
      },
    },
  };
}

function tlsOptions(tls: boolean, caFile: string | undefined): RedisOptions['tls'] {
  if (caFile !== undefined && !tls) {
    throw new Error('a certificate authority file is only used with a rediss:// URL');
  }
  return tls ? (caFile === undefined ? {} : { ca: readRedisCa(caFile) }) : undefined;
}

/**
 * ioredis options for the URL; with `rediss://`, the server's certificate must be signed by the
 * certificate authority in the PEM file `caFile` when given, else by a default one. Credentials
 * and database go to a connector that establishes them before ioredis may use the connection,
 * so that no command ever runs after a refused AUTH or SELECT (see `handshakeConnector`).
 */
export function redisOptionsFromUrl(url: string, caFile?: string): RedisOptions {
  if (isSentinelUrl(url)) return sentinelOptionsFromUrl(url, caFile);
  const { host, port, username, password, db, tls } = parseRedisUrl(url);
  return {
    host,
    port,
    tls: tlsOptions(tls, caFile),
    maxLoadingRetryTime: LOADING_RECHECK_MS,
    Connector: handshakeConnector({ username, password, db, server: redactRedisUrl(url) }),
  };
}

/**
 * ioredis options for a `redis+sentinel://` URL: the sentinels are asked where the master is, at
 * every connect (so a failover is followed by reconnecting), and the connection is checked to be
 * to a master before use. Credentials and database are established by the handshake connector,
 * as on a single Redis; with `rediss+sentinel://` both the sentinels and the master are reached
 * over TLS.
 */
function sentinelOptionsFromUrl(url: string, caFile?: string): RedisOptions {
  const { sentinels, masterName, username, password, db, tls } = parseSentinelUrl(url);
  const tlsOption = tlsOptions(tls, caFile);
  return {
    sentinels,
    name: masterName,
    maxLoadingRetryTime: LOADING_RECHECK_MS,
    ...(tls ? { tls: tlsOption, sentinelTLS: tlsOption, enableTLSForSentinelMode: true } : {}),
    Connector: handshakeConnector(
      { username, password, db, server: redactRedisUrl(url) },
      // The connector is the sentinel one: it finds the master before the handshake.
      SentinelConnector as unknown as typeof StandaloneConnector,
    ),
  };
}
