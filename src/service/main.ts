import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { AppModule } from './app.module';
import { closeOnSignals } from '../engine/close-on-signals';
import { delayTaskOptionsFromEnv, httpPortFromEnv } from '../config/env.config';
import { REDIS_CLIENT } from '../delay-task.constants';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import { RedisRefusedError } from '../store/redis-handshake';
import { errorText } from '../tasks/run';
import { ensureLocalRedis } from './local-redis-server';

const logger = new Logger('Main');

async function bootstrap(): Promise<void> {
  survive();
  if (existsSync('.env')) process.loadEnvFile('.env');
  // Fail fast on a bad variable, before anything connects.
  const options = delayTaskOptionsFromEnv(process.env);
  const httpPort = httpPortFromEnv(process.env);

  if (options.startLocalRedis) await ensureLocalRedis(options, logger);
  const app = await NestFactory.create(AppModule, { abortOnError: false });
  exitWhenRedisRefuses(app.get<Redis>(REDIS_CLIENT, { strict: false }));
  app.connectMicroservice<CustomStrategy>({ strategy: app.get(DelayTaskTransport) });
  await app.init();
  await app.startAllMicroservices();
  if (httpPort !== undefined) await app.listen(httpPort, '127.0.0.1');
  logger.log(`Ready: subscribed to ${options.prefix}${options.topic}`);

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
