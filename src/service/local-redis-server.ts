import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { DEFAULT_REDIS_URL } from '../config/default-options';
import { redactRedisUrl } from '../config/redis-url';
import { redisOptionsFromUrl } from '../store/redis-connection';

const PROBE_TIMEOUT_MS = 1000;
const START_TIMEOUT_MS = 10_000;

/** True when a Redis answers PING at these options within a second. */
export async function redisAnswers(options: RedisOptions): Promise<boolean> {
  const probe = new Redis({
    ...options,
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Starts a daemonised `redis-server` with append-only persistence in `dir`, so that it outlives
 * this process (a crash of the service must not take its data with it), and waits until it answers.
 */
export async function startLocalRedis(
  options: RedisOptions,
  dir: string,
  logger: LoggerService,
  command = 'redis-server',
): Promise<void> {
  const dataDir = resolve(dir);
  mkdirSync(dataDir, { recursive: true });
  const port = options.port ?? 6379;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dataDir,
    '--appendonly',
    'yes',
    '--daemonize',
    'yes',
    '--pidfile',
    resolve(dataDir, 'redis.pid'),
    '--logfile',
    resolve(dataDir, 'redis.log'),
  ];
  await new Promise<void>((done, fail) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        new Error(
          error.code === 'ENOENT'
            ? 'No Redis answers at redis://127.0.0.1:6379 and there is no redis-server on the PATH. ' +
              'Install one (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
              'or set REDIS_URL to a running Redis, e.g. REDIS_URL=redis://:password@host:6379/0.'
            : `Could not start redis-server: ${error.message}`,
        ),
      ),
    );
    child.on('exit', (code) =>
      code === 0
        ? done()
        : fail(new Error(`redis-server exited with code ${code}; see ${dataDir}/redis.log`)),
    );
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await redisAnswers(options))) {
    if (Date.now() > deadline) {
      throw new Error(
        `redis-server started but does not answer on port ${port}; see ${dataDir}/redis.log`,
      );
    }
    await new Promise((wake) => setTimeout(wake, 100));
  }
  logger.log(
    `No Redis answered at ${redactRedisUrl(`redis://127.0.0.1:${port}`)}: started a local redis-server ` +
      `there with append-only persistence in ${dataDir}`,
  );
}

/** Where the local Redis keeps its data unless DELAYTASK_LOCAL_REDIS_DIR says otherwise. */
export const DEFAULT_LOCAL_REDIS_DIR = '.data/redis';

/**
 * When no Redis answers at the default URL, starts a local one there (see startLocalRedis). Only
 * for a service given no REDIS_URL: a Redis chosen explicitly is never replaced by a local one.
 */
export async function ensureLocalRedis(dir: string, logger: LoggerService): Promise<void> {
  const connection = redisOptionsFromUrl(DEFAULT_REDIS_URL);
  if (!(await redisAnswers(connection))) await startLocalRedis(connection, dir, logger);
}
