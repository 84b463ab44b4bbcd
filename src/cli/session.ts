import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { delayTaskOptionsFromEnv } from '../config/options-from-environment';
import { TaskKeys } from '../store/keys';
import { OperationsStore } from '../store/operations-store';
import { createRedisLike } from '../store/redis-client';
import { type RedisConnection, redisConnection } from '../store/redis-connection';
import type { RedisLike } from '../store/redis-like';
import { RedisRefusedError } from '../store/redis-handshake';
import { TaskStore } from '../store/task-store';
import { CliError, ExitCode, reasonOf } from './cli-error';

/** A CLI waits this long for Redis to answer, then says it cannot reach it. */
const CONNECT_TIMEOUT_MS = 5000;

/** What a command works with: the engine's options and its stores, on one Redis connection. */
export interface Session {
  readonly options: DelayTaskOptions;
  readonly redis: RedisLike;
  readonly keys: TaskKeys;
  readonly tasks: TaskStore;
  readonly operations: OperationsStore;
}

/**
 * Reads the settings as the service does, connects, runs `work` and disconnects. Settings the
 * service would refuse are invalid input; anything that goes wrong while talking to Redis is a
 * Redis failure, named by the URL with its password redacted. `work` only talks to Redis: what
 * it returns is printed after the connection has closed.
 */
export async function withSession<T>(
  env: Readonly<Record<string, string | undefined>>,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  const { options, connection } = settings(env);
  const { server } = connection;
  const redis = await connect(connection);
  try {
    const keys = new TaskKeys(options.prefix);
    return await work({
      options,
      redis,
      keys,
      tasks: new TaskStore(redis, keys, options),
      operations: new OperationsStore(redis, keys, options.partitions),
    });
  } catch (error) {
    throw new CliError(ExitCode.redis, `Redis at ${server} failed: ${reasonOf(error)}`);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

function settings(env: Readonly<Record<string, string | undefined>>): {
  options: DelayTaskOptions;
  connection: RedisConnection;
} {
  try {
    const options = delayTaskOptionsFromEnv(env);
    return { options, connection: redisConnection(options) };
  } catch (error) {
    throw new CliError(ExitCode.invalid, reasonOf(error));
  }
}

/**
 * One attempt, no reconnection: a command-line tool says at once that Redis is away rather than
 * wait for it. A refused password or database fails the same way, with Redis's reason.
 */
async function connect(connection: RedisConnection): Promise<RedisLike> {
  const { server } = connection;
  const redis = createRedisLike(connection, {
    lazyConnect: true,
    oneAttemptMs: CONNECT_TIMEOUT_MS,
  });
  // ioredis rejects connect() with "Connection is closed."; its first error event says why (on a
  // cluster, the first node's error says more than "Failed to refresh slots cache").
  let firstError: unknown;
  let firstNodeError: unknown;
  redis.on('error', (error: unknown) => (firstError ??= error));
  redis.on('node error', (error: unknown) => (firstNodeError ??= error));
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    // Without retries the client has ended already; disconnect() now would only wait out
    // ioredis's disconnect timeout (2 s) for a socket that is gone.
    const cause = firstNodeError ?? firstError ?? error;
    throw new CliError(
      ExitCode.redis,
      cause instanceof RedisRefusedError
        ? cause.message
        : `cannot reach Redis at ${server}: ${reasonOf(cause)}`,
    );
  }
}
