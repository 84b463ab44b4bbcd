import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import { handshakeConnector } from '../store/redis-handshake';

/** What a `redis://` or `rediss://` URL says. */
export interface RedisTarget {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

/** Parses `redis://[user][:password@]host[:port][/db]` (or `rediss://` for TLS). */
export function parseRedisUrl(url: string): RedisTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`unsupported scheme "${parsed.protocol}"; use redis:// or rediss://`);
  }
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new Error(`database index "${dbText}" is not a non-negative integer`);
  }
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
    tls: parsed.protocol === 'rediss:',
  };
}

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

/** The PEM certificates in `file`; throws naming the file when it cannot be read or holds none. */
export function readRedisCa(file: string): Buffer {
  const pem = readFileSync(file);
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return pem;
}

/** The URL with its password replaced, fit for logs. Unparseable text is hidden whole. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparseable REDIS_URL>';
  }
}
