import { Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import Redis from 'ioredis';
import { DelayTaskOptions } from './config/delay-task-options.interface';
import { redactRedisUrl, redisOptionsFromUrl } from './config/redis-url';
import {
  DELAY_TASK_CONFIG,
  REDIS_CLIENT,
  SERVER_CLOCK,
  TASK_STORE,
  defaultOptions,
} from './delay-task.constants';
import {
  ConfigurableModuleClass,
  DELAY_TASK_MODULE_OPTIONS,
  DelayTaskModuleOptions,
} from './delay-task.module-definition';
import { DelayTaskTransport } from './ingest/delay-task.transport';
import { TaskIngestController } from './ingest/task-ingest.controller';
import { TaskIngestService } from './ingest/task-ingest.service';
import { LeaseSweeper } from './recovery/lease-sweeper.service';
import { RecoveryService } from './recovery/recovery.service';
import { skewedClock } from './scheduler/clock';
import { ServerClock } from './scheduler/server-clock';
import { WheelDriver } from './scheduler/wheel-driver.service';
import { WindowRefill } from './scheduler/window-refill.service';
import { TaskKeys } from './store/keys';
import { redisAnswers, startLocalRedis } from './service/local-redis-server';
import { connectRedisClient } from './store/redis-client';
import { TaskStore } from './store/task-store';
import { TaskRegistry } from './tasks/task-registry';
import { TaskRunner } from './tasks/task-runner.service';

/**
 * The engine: ingest from the Redis channel, the store, the wheel, the runner and recovery.
 * `DelayTaskModule.forRoot(options)` or `forRootAsync({ useFactory, inject })`; then connect
 * `app.get(DelayTaskTransport)` as a microservice strategy so that tasks arrive.
 */
@Module({
  imports: [DiscoveryModule, ScheduleModule.forRoot()],
  controllers: [TaskIngestController],
  providers: [
    {
      provide: DELAY_TASK_CONFIG,
      useFactory: (options: DelayTaskModuleOptions): DelayTaskOptions => ({
        ...defaultOptions(),
        ...options,
      }),
      inject: [DELAY_TASK_MODULE_OPTIONS],
    },
    {
      provide: REDIS_CLIENT,
      useFactory: async (options: DelayTaskOptions): Promise<Redis> => {
        const logger = new Logger(DelayTaskModule.name);
        const connection = redisOptionsFromUrl(options.redisUrl, options.redisCaFile);
        if (options.startLocalRedis && !(await redisAnswers(connection))) {
          await startLocalRedis(connection, options.localRedisDir, logger);
        }
        const server = redactRedisUrl(options.redisUrl);
        logger.log(`Using Redis at ${server}, key prefix "${options.prefix}"`);
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
      provide: SERVER_CLOCK,
      useFactory: (options: DelayTaskOptions) => new ServerClock(skewedClock(options.clockSkewMs)),
      inject: [DELAY_TASK_CONFIG],
    },
    {
      provide: DelayTaskTransport,
      useFactory: (options: DelayTaskOptions) => new DelayTaskTransport(options),
      inject: [DELAY_TASK_CONFIG],
    },
    TaskRegistry,
    TaskRunner,
    WheelDriver,
    WindowRefill,
    LeaseSweeper,
    RecoveryService,
    TaskIngestService,
  ],
  exports: [DelayTaskTransport, TaskRegistry, TASK_STORE, DELAY_TASK_CONFIG],
})
export class DelayTaskModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
