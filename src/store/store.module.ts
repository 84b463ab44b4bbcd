import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { redactRedisUrl } from '../config/redis-url';
import { redisOptionsFromUrl } from './redis-connection';
import {
  DELAY_TASK_CONFIG,
  OPERATIONS_STORE,
  REDIS_CLIENT,
  TASK_STORE,
} from '../delay-task.constants';
import { TaskKeys } from './keys';
import { connectRedisClient } from './redis-client';
import { OperationsStore } from './operations-store';
import { TaskStore } from './task-store';

/** Redis and the task store's scripts: the engine's only way to its state. */
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      useFactory: (options: DelayTaskOptions): Promise<Redis> => {
        const logger = new Logger(StoreModule.name);
        const server = redactRedisUrl(options.redisUrl);
        logger.log(`Using Redis at ${server}, key prefix "${options.prefix}"`);
        const connection = redisOptionsFromUrl(options.redisUrl, options.redisCaFile);
        return connectRedisClient(connection, server, logger);
      },
      inject: [DELAY_TASK_CONFIG],
    },
    {
      provide: TASK_STORE,
      useFactory: (redis: Redis, options: DelayTaskOptions) =>
        new TaskStore(redis, new TaskKeys(options.prefix), options),
      inject: [REDIS_CLIENT, DELAY_TASK_CONFIG],
    },
    {
      provide: OPERATIONS_STORE,
      useFactory: (redis: Redis, options: DelayTaskOptions) =>
        new OperationsStore(redis, new TaskKeys(options.prefix), options.partitions),
      inject: [REDIS_CLIENT, DELAY_TASK_CONFIG],
    },
  ],
  exports: [REDIS_CLIENT, TASK_STORE, OPERATIONS_STORE],
})
export class StoreModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
