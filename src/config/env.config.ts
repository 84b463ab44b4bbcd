import { DelayTaskOptions } from './delay-task-options.interface';
import { InvalidEnvError } from './errors/invalid-env.error';
import { parseRedisUrl, readRedisCa, redactRedisUrl } from './redis-url';
import { defaultOptions } from './default-options';

type Env = Readonly<Record<string, string | undefined>>;

interface IntegerSetting {
  variable: string;
  option: keyof DelayTaskOptions;
  min: number;
  max: number;
}

const INTEGER_SETTINGS: readonly IntegerSetting[] = [
  { variable: 'DELAYTASK_CONCURRENCY', option: 'concurrency', min: 1, max: 10_000 },
  { variable: 'DELAYTASK_DEFAULT_TIMEOUT_MS', option: 'defaultTimeoutMs', min: 1, max: 86_400_000 },
  { variable: 'DELAYTASK_WINDOW_MS', option: 'windowMs', min: 100, max: 600_000 },
  { variable: 'DELAYTASK_REFILL_INTERVAL_MS', option: 'refillIntervalMs', min: 10, max: 60_000 },
  { variable: 'DELAYTASK_LEASE_MS', option: 'leaseMs', min: 500, max: 3_600_000 },
  {
    variable: 'DELAYTASK_COMPLETED_RETENTION_MS',
    option: 'completedRetentionMs',
    min: 0,
    max: 365 * 86_400_000,
  },
  { variable: 'DELAYTASK_COMPLETED_MAX', option: 'completedMax', min: 1, max: 1_000_000_000 },
  { variable: 'DELAYTASK_REPLAY_WINDOW_MS', option: 'replayWindowMs', min: 0, max: 86_400_000 },
  {
    variable: 'DELAYTASK_FAILED_RETENTION_MS',
    option: 'failedRetentionMs',
    min: 1000,
    max: 365 * 86_400_000,
  },
  { variable: 'DELAYTASK_FAILED_MAX', option: 'failedMax', min: 1, max: 100_000_000 },
  {
    variable: 'DELAYTASK_FAILED_MAX_BYTES',
    option: 'failedMaxBytes',
    min: 1024 * 1024,
    max: 1024 ** 4,
  },
  { variable: 'DELAYTASK_MAX_STALLS', option: 'maxStalls', min: 0, max: 100 },
  {
    variable: 'DELAYTASK_MAX_MESSAGE_BYTES',
    option: 'maxMessageBytes',
    min: 256,
    max: 64 * 1024 * 1024,
  },
  { variable: 'DELAYTASK_DEAD_LETTER_MAX', option: 'deadLetterMax', min: 1, max: 10_000_000 },
  {
    variable: 'DELAYTASK_DEAD_LETTER_MAX_BYTES',
    option: 'deadLetterMaxBytes',
    min: 64 * 1024,
    max: 1024 ** 4,
  },
  {
    variable: 'DELAYTASK_INGEST_BUFFER_BYTES',
    option: 'ingestBufferBytes',
    min: 1024 * 1024,
    max: 16 * 1024 ** 3,
  },
  { variable: 'DELAYTASK_MAX_PAST_MS', option: 'maxPastMs', min: 0, max: 365 * 86_400_000 },
  { variable: 'DELAYTASK_SHUTDOWN_GRACE_MS', option: 'shutdownGraceMs', min: 0, max: 3_600_000 },
];

/** The HTTP port, when the service should open one (for a health check); undefined means none. */
export function httpPortFromEnv(env: Env): number | undefined {
  const text = env.DELAYTASK_HTTP_PORT;
  if (text === undefined || text === '') return undefined;
  return parseInteger('DELAYTASK_HTTP_PORT', text, 1, 65_535);
}

/** Builds the engine's options from the environment; a bad value throws an error naming its variable. */
export function delayTaskOptionsFromEnv(env: Env): DelayTaskOptions {
  const options = defaultOptions();
  const redisUrl = env.REDIS_URL;
  if (redisUrl !== undefined && redisUrl !== '') {
    try {
      parseRedisUrl(redisUrl);
    } catch (error) {
      throw new InvalidEnvError(
        'REDIS_URL',
        redactRedisUrl(redisUrl),
        `a URL like redis://:password@127.0.0.1:6379/4 (${(error as Error).message})`,
      );
    }
    options.redisUrl = redisUrl;
  } else {
    options.startLocalRedis = true;
  }
  const caFile = env.REDIS_CA_FILE;
  if (caFile !== undefined && caFile !== '') options.redisCaFile = checkedCaFile(caFile, redisUrl);
  options.prefix = nonEmpty(env, 'DELAYTASK_PREFIX', options.prefix, /^[^\s{}]+$/);
  options.topic = nonEmpty(env, 'DELAYTASK_TOPIC', options.topic, /^\S+$/);
  options.instanceId = nonEmpty(env, 'DELAYTASK_INSTANCE_ID', options.instanceId, /^[^\s|]+$/);
  options.localRedisDir = nonEmpty(env, 'DELAYTASK_LOCAL_REDIS_DIR', options.localRedisDir, /./);
  const skew = env.DELAYTASK_CLOCK_SKEW_MS;
  if (skew !== undefined && skew !== '') {
    if (!/^-?\d+$/.test(skew.trim()) || Math.abs(Number(skew)) > 86_400_000) {
      throw new InvalidEnvError(
        'DELAYTASK_CLOCK_SKEW_MS',
        skew,
        'a whole number of ms within ±86400000',
      );
    }
    options.clockSkewMs = Number(skew);
  }
  for (const { variable, option, min, max } of INTEGER_SETTINGS) {
    const text = env[variable];
    if (text !== undefined && text !== '') {
      Object.assign(options, { [option]: parseInteger(variable, text, min, max) });
    }
  }
  return options;
}

function checkedCaFile(caFile: string, redisUrl: string | undefined): string {
  const accepts =
    "a readable PEM file of the certificate authority of the Redis server's certificate";
  if (!/^rediss:/i.test(redisUrl ?? '')) {
    throw new InvalidEnvError('REDIS_CA_FILE', caFile, `${accepts}, with a rediss:// REDIS_URL`);
  }
  try {
    readRedisCa(caFile);
  } catch (error) {
    throw new InvalidEnvError('REDIS_CA_FILE', caFile, `${accepts} (${(error as Error).message})`);
  }
  return caFile;
}

function nonEmpty(env: Env, variable: string, fallback: string, pattern: RegExp): string {
  const text = env[variable];
  if (text === undefined || text === '') return fallback;
  if (!pattern.test(text)) {
    throw new InvalidEnvError(variable, text, `text matching ${pattern.source}`);
  }
  return text;
}

function parseInteger(variable: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidEnvError(variable, text, `a whole number from ${min} to ${max}`);
  }
  return value;
}
