import type { Cluster, Redis } from 'ioredis';

/**
 * A connection of the engine: to one Redis (directly or through Sentinel) or to a Redis Cluster.
 * Both take the same commands and the store's scripts (`loadScripts`); on a cluster every
 * command's keys must hash to one slot, as the `{prefix}` hash tags make them.
 */
export type RedisLike = Redis | Cluster;
