import { readFileSync } from 'node:fs';

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
