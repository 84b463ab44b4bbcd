import type { RedisOptions } from 'ioredis';
import { parseRedisUrl, readRedisCa, redactRedisUrl } from '../config/redis-url';
import { handshakeConnector } from './redis-handshake';

/**
 * ioredis options for the URL; with `rediss://`, the server's certificate must be signed by the
 * certificate authority in the PEM file `caFile` when given, else by a default one. Credentials
 * and database go to a connector that establishes them before ioredis may use the connection,
 * so that no command ever runs after a refused AUTH or SELECT (see `handshakeConnector`).
 */
export function redisOptionsFromUrl(url: string, caFile?: string): RedisOptions {
  const { host, port, username, password, db, tls } = parseRedisUrl(url);
  if (caFile !== undefined && !tls) {
    throw new Error('a certificate authority file is only used with a rediss:// URL');
  }
  return {
    host,
    port,
    tls: tls ? (caFile === undefined ? {} : { ca: readRedisCa(caFile) }) : undefined,
    Connector: handshakeConnector({ username, password, db, server: redactRedisUrl(url) }),
  };
}
