import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Redis } from 'ioredis';
import { setupDelayTaskOpenApi } from '../admin/open-api';
import { AppModule, checkedEnvironment } from './app.module';
import { closeOnSignals } from '../engine/close-on-signals';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { DelayTaskEnvironment } from '../config/environment';
import { DELAY_TASK_CONFIG, REDIS_CLIENT } from '../delay-task.constants';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import { RedisRefusedError } from '../store/redis-handshake';
import { errorText } from '../tasks/run';

const logger = new Logger('Main');
const DEFAULT_HTTP_HOST = '127.0.0.1';
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|::1)$/;

async function bootstrap(): Promise<void> {
  survive();
  await checkedEnvironment;
  // rawBody: the admin API takes a task as its text was sent (an ID-less task is named by it).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    abortOnError: false,
    rawBody: true,
  });
  exitWhenRedisRefuses(app.get<Redis>(REDIS_CLIENT, { strict: false }));
  const { prefix, topic, maxMessageBytes } = app.get<DelayTaskOptions>(DELAY_TASK_CONFIG);
  // A task body is bounded as a message on the channel is (a larger one gets 413).
  app.useBodyParser('json', { limit: maxMessageBytes });
  const config = app.get<ConfigService<DelayTaskEnvironment, true>>(ConfigService);
  const httpPort = config.get('DELAYTASK_HTTP_PORT', { infer: true });
  // Before init: routes added after it would come after Nest's 404 handler. An empty variable
  // is unset.
  if (httpPort) setupDelayTaskOpenApi(app);
  app.connectMicroservice<CustomStrategy>({ strategy: app.get(DelayTaskTransport) });
  await app.init();
  await app.startAllMicroservices();
  if (httpPort) await listen(app, httpPort, config);
  logger.log(`Ready: subscribed to ${prefix}${topic}`);

  closeOnSignals(app, logger);
}

/** Serves /health, the admin API and its OpenAPI document on the configured host and port. */
async function listen(
  app: NestExpressApplication,
  port: number,
  config: ConfigService<DelayTaskEnvironment, true>,
): Promise<void> {
  const host = config.get('DELAYTASK_HTTP_HOST', { infer: true }) || DEFAULT_HTTP_HOST;
  await app.listen(port, host);
  logger.log(`HTTP on ${host}:${port}: /health, /tasks, /stats, /openapi.json, /docs`);
  if (!LOOPBACK_HOST.test(host) && !config.get('DELAYTASK_HTTP_TOKEN', { infer: true })) {
    logger.warn(
      `The admin API listens on ${host} without DELAYTASK_HTTP_TOKEN: whoever reaches port ` +
        `${port} can schedule, cancel and requeue tasks`,
    );
  }
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
