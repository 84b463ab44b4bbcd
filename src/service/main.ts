import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { AppModule, checkedEnvironment } from './app.module';
import { closeOnSignals } from '../engine/close-on-signals';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { DelayTaskEnvironment } from '../config/environment';
import { DELAY_TASK_CONFIG, REDIS_CLIENT } from '../delay-task.constants';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import { RedisRefusedError } from '../store/redis-handshake';
import { errorText } from '../tasks/run';

const logger = new Logger('Main');

async function bootstrap(): Promise<void> {
  survive();
  await checkedEnvironment;
  const app = await NestFactory.create(AppModule, { abortOnError: false });
  exitWhenRedisRefuses(app.get<Redis>(REDIS_CLIENT, { strict: false }));
  app.connectMicroservice<CustomStrategy>({ strategy: app.get(DelayTaskTransport) });
  await app.init();
  await app.startAllMicroservices();
  const config = app.get<ConfigService<DelayTaskEnvironment, true>>(ConfigService);
  const httpPort = config.get('DELAYTASK_HTTP_PORT', { infer: true });
  // An empty variable is unset.
  if (httpPort) await app.listen(httpPort, '127.0.0.1');
  const { prefix, topic } = app.get<DelayTaskOptions>(DELAY_TASK_CONFIG);
  logger.log(`Ready: subscribed to ${prefix}${topic}`);

  closeOnSignals(app, logger);
}

/**
 * Handler code can throw where no caller waits (a timer's callback, a listener on its abort
 * signal) or leave a rejected promise nobody handles. Node would end the process, and every task
 * running in it with it: the service logs the error and goes on instead.
 */
function survive(): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error(`Unhandled promise rejection (a task handler's?): ${errorText(reason)}`);
  });
  process.on('uncaughtException', (error: Error) => {
    logger.error(`Uncaught exception (a task handler's?): ${errorText(error)}`, error.stack);
  });
}

/**
 * A refused AUTH or SELECT on a reconnect has stopped the store's client for good (the password
 * or the databases changed on the server): the service exits so that it is seen to be down, and
 * the other instances take over its tasks when they can reach Redis.
 */
function exitWhenRedisRefuses(redis: Redis): void {
  redis.on('error', (error: Error) => {
    if (!(error instanceof RedisRefusedError)) return;
    logger.error('Exiting: the task store has no Redis connection and cannot get one back');
    process.exit(1);
  });
}

bootstrap().catch((error: Error) => {
  logger.error(error.message);
  process.exit(1);
});
