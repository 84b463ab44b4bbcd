import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { redisConnection } from './redis-connection';
import {
  DELAY_TASK_CONFIG,
  OPERATIONS_STORE,
  REDIS_CLIENT,
  TASK_STORE,
} from '../delay-task.constants';
import { TaskKeys } from './keys';
import { connectRedisClient } from './redis-client';
import type { RedisLike } from './redis-like';
import { OperationsStore } from './operations-store';
import { TaskStore } from './task-store';

/** Redis and the task store's scripts: the engine's only way to its state. */
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      useFactory: (options: DelayTaskOptions): Promise<RedisLike> => {
        const logger = new Logger(StoreModule.name);
        const connection = redisConnection(options);
        logger.log(`Using Redis at ${connection.server}, key prefix "${options.prefix}"`);
        return connectRedisClient(connection, logger);
      },
      inject: [DELAY_TASK_CONFIG],
    },
    {
      provide: TASK_STORE,
      useFactory: (redis: RedisLike, options: DelayTaskOptions) =>
        new TaskStore(redis, new TaskKeys(options.prefix), options),
      inject: [REDIS_CLIENT, DELAY_TASK_CONFIG],
    },
    {
      provide: OPERATIONS_STORE,
      useFactory: (redis: RedisLike, options: DelayTaskOptions) =>
        new OperationsStore(redis, new TaskKeys(options.prefix), options.partitions),
      inject: [REDIS_CLIENT, DELAY_TASK_CONFIG],
    },
  ],
  exports: [REDIS_CLIENT, TASK_STORE, OPERATIONS_STORE],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisLike) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
