import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { CLUSTER_DEFAULTS } from '../config/resolve-options';
import { TASK_FIELD } from '../ingest/stream-entries';
import { scheduleOutside } from '../operations/schedule-outside';
import { TaskKeys } from '../store/keys';
import { connectRedisClient } from '../store/redis-client';
import { redisConnection } from '../store/redis-connection';
import type { RedisLike } from '../store/redis-like';
import { TaskStore } from '../store/task-store';
import { TaskRejectedError } from './task-rejected.error';

/** Where a client sends tasks: the engine's Redis, prefix and topic (defaults as the engine's). */
export type DelayTaskClientOptions = Partial<
  Pick<
    DelayTaskOptions,
    'redisUrl' | 'redisCaFile' | 'redisClusterNodes' | 'prefix' | 'topic' | 'maxMessageBytes'
  >
>;

/** The pattern `send` answers. */
export const SCHEDULE_PATTERN = 'schedule';

/**
 * A Nest client for producers who cannot afford to lose a task, registered the Nest way:
 * `ClientsModule.register([{ name: 'TASKS', customClass: DelayTaskClient, options: { redisUrl } }])`.
 * - `emit(pattern, task)` appends the task to the stream inbox (`<prefix><topic>`) and completes
 *   once Redis holds it, whether or not an instance runs; the pattern is not used.
 * - `send('schedule', task)` checks the task as ingest does and stores it, answering
 *   `{ id, status }` (`stored`, `duplicate`, `rescheduled` or `completed`), or fails with a
 *   `TaskRejectedError` giving the reason; nothing is written for a refused task.
 */
export class DelayTaskClient extends ClientProxy {
  private readonly logger = new Logger(DelayTaskClient.name);
  private readonly options: DelayTaskOptions;
  private connection: Promise<{ redis: RedisLike; store: TaskStore }> | undefined;

  constructor(options: DelayTaskClientOptions = {}) {
    super();
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    // On a cluster, the partitions default as the engine's do.
    const cluster = given.redisClusterNodes ? CLUSTER_DEFAULTS : {};
    this.options = { ...defaultOptions(), ...cluster, ...given };
  }

  async connect(): Promise<RedisLike> {
    return (await this.opened()).redis;
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    const redis = (await connection?.catch(() => undefined))?.redis;
    await redis?.quit().catch(() => redis.disconnect());
  }

  unwrap<T>(): T {
    return this.connection as T;
  }

  /** Completes with the stream entry's ID once Redis holds the task. */
  protected async dispatchEvent<T = string>(packet: ReadPacket): Promise<T> {
    const { redis } = await this.opened();
    const text = taskText(packet.data);
    const bytes = Buffer.byteLength(text);
    if (bytes > this.options.maxMessageBytes) {
      throw new TaskRejectedError(
        `message of ${bytes} bytes exceeds the limit of ${this.options.maxMessageBytes} bytes`,
      );
    }
    const stream = this.options.prefix + this.options.topic;
    return (await redis.xadd(stream, '*', TASK_FIELD, text)) as T;
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    if (packet.pattern !== SCHEDULE_PATTERN) {
      callback({
        err: new Error(`DelayTaskClient answers only send('${SCHEDULE_PATTERN}', task)`),
        isDisposed: true,
      });
      return () => undefined;
    }
    this.opened()
      .then(({ store }) => scheduleOutside(store, this.options, taskText(packet.data)))
      .then(
        (answer) =>
          callback(
            answer.accepted
              ? { response: answer.task, isDisposed: true }
              : { err: new TaskRejectedError(answer.reason), isDisposed: true },
          ),
        (error: unknown) => callback({ err: error, isDisposed: true }),
      );
    return () => undefined;
  }

  private opened(): Promise<{ redis: RedisLike; store: TaskStore }> {
    this.connection ??= this.open();
    return this.connection;
  }

  private async open(): Promise<{ redis: RedisLike; store: TaskStore }> {
    const redis = await connectRedisClient(redisConnection(this.options), this.logger);
    return { redis, store: new TaskStore(redis, new TaskKeys(this.options.prefix), this.options) };
  }
}

/** The task as the wire carries it: text as given, anything else as its JSON. */
function taskText(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data);
}
