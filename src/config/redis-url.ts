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
    throw new Error(
      `unsupported scheme "${parsed.protocol}"; use redis://, rediss:// or redis+sentinel://`,
    );
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
  if (isSentinelUrl(url)) return redactUserInfo(url);
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparseable REDIS_URL>';
  }
}

/** A host and port of a list of Redis nodes (sentinels, a cluster's seed nodes). */
export interface RedisNode {
  host: string;
  port: number;
}

/** What a `redis+sentinel://` URL says. */
export interface SentinelTarget {
  sentinels: RedisNode[];
  /** The name the sentinels know the monitored master by. */
  masterName: string;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

/** What `REDIS_CLUSTER_NODES` says: seed nodes, and the credentials and TLS of every node. */
export interface ClusterTarget {
  nodes: RedisNode[];
  username?: string;
  password?: string;
  tls: boolean;
}

const SENTINEL_SCHEME = /^(rediss?)\+sentinel:\/\//i;
const CLUSTER_SCHEME = /^(rediss?):\/\//i;

/** True for `redis+sentinel://` and `rediss+sentinel://` URLs. */
export function isSentinelUrl(url: string): boolean {
  return SENTINEL_SCHEME.test(url);
}

/** Parses a `redis://`, `rediss://`, `redis+sentinel://` or `rediss+sentinel://` URL. */
export function parseAnyRedisUrl(url: string): RedisTarget | SentinelTarget {
  return isSentinelUrl(url) ? parseSentinelUrl(url) : parseRedisUrl(url);
}

/**
 * Parses `redis+sentinel://[user:password@]host:port[,host:port…]/<masterName>[/<db>]`
 * (`rediss+sentinel://` for TLS to the sentinels and the master). The credentials are the
 * master's (and its replicas'); the sentinels are asked without a password.
 */
export function parseSentinelUrl(url: string): SentinelTarget {
  const scheme = SENTINEL_SCHEME.exec(url);
  if (!scheme)
    throw new Error('a sentinel URL starts with redis+sentinel:// or rediss+sentinel://');
  const { userInfo, rest } = splitUserInfo(url.slice(scheme[0].length));
  const [hosts, masterName, dbText, ...extra] = rest.replace(/\/$/, '').split('/');
  if (extra.length > 0 || /[?#]/.test(rest)) {
    throw new Error('a sentinel URL ends with /<masterName> or /<masterName>/<db>');
  }
  if (!masterName) {
    throw new Error('the master name is missing (redis+sentinel://host:port,…/<masterName>)');
  }
  const db = dbText === undefined || dbText === '' ? 0 : Number(dbText);
  if (!/^\d*$/.test(dbText ?? '') || !Number.isInteger(db)) {
    throw new Error(`database index "${dbText}" is not a non-negative integer`);
  }
  return {
    sentinels: parseNodes(hosts, 'sentinel', 26379),
    masterName: decodeURIComponent(masterName),
    ...credentials(userInfo),
    db,
    tls: scheme[1].toLowerCase() === 'rediss',
  };
}

/**
 * Parses `REDIS_CLUSTER_NODES`: `[redis://|rediss://][user:password@]host:port[,host:port…]`,
 * the credentials and TLS written as in a Redis URL and used for every node. A cluster has only
 * database 0: any other is refused.
 */
export function parseClusterNodes(text: string): ClusterTarget {
  const scheme = CLUSTER_SCHEME.exec(text);
  if (!scheme && /^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new Error('the nodes start with redis:// or rediss:// when they name a scheme');
  }
  const { userInfo, rest } = splitUserInfo(text.slice(scheme ? scheme[0].length : 0));
  const [hosts, dbText, ...extra] = rest.split('/');
  if (extra.length > 0 || /[?#]/.test(rest)) {
    throw new Error('nodes are written host:port,host:port');
  }
  if (dbText !== undefined && dbText !== '' && dbText !== '0') {
    throw new Error(
      `database ${dbText} was asked for, but a Redis Cluster has only database 0; drop the /${dbText}`,
    );
  }
  return {
    nodes: parseNodes(hosts, 'node', 6379),
    ...credentials(userInfo),
    tls: scheme?.[1].toLowerCase() === 'rediss',
  };
}

/** The node list with its password replaced, fit for logs. */
export function redactClusterNodes(text: string): string {
  return redactUserInfo(text);
}

/**
 * The credentials end at the last `@` (a password with an unescaped `@` or `/` still never shows
 * in a redacted text).
 */
function splitUserInfo(afterScheme: string): { userInfo?: string; rest: string } {
  const at = afterScheme.lastIndexOf('@');
  return at === -1
    ? { rest: afterScheme }
    : { userInfo: afterScheme.slice(0, at), rest: afterScheme.slice(at + 1) };
}

function credentials(userInfo: string | undefined): { username?: string; password?: string } {
  if (userInfo === undefined) return {};
  const colon = userInfo.indexOf(':');
  const [user, password] =
    colon === -1 ? [userInfo, ''] : [userInfo.slice(0, colon), userInfo.slice(colon + 1)];
  return {
    username: user ? decodeURIComponent(user) : undefined,
    password: password ? decodeURIComponent(password) : undefined,
  };
}

function parseNodes(list: string, what: string, defaultPort: number): RedisNode[] {
  if (list.trim() === '') throw new Error(`no ${what} is given (host:port,host:port)`);
  return list.split(',').map((entry) => {
    const match = /^\s*(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+)(?::(\d+))?\s*$/.exec(entry);
    const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
    if (!match || port < 1 || port > 65_535) {
      throw new Error(`${what} "${entry.trim()}" is not host:port`);
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

function redactUserInfo(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  const { userInfo, rest } = splitUserInfo(text.slice(scheme.length));
  if (userInfo === undefined) return text;
  const colon = userInfo.indexOf(':');
  return colon === -1 ? text : `${scheme}${userInfo.slice(0, colon)}:***@${rest}`;
}
