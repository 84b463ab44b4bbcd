import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RedisLike } from '../store/redis-like';
import { setupDelayTaskOpenApi } from '../admin/open-api';
import { closeOnSignals } from '../engine/close-on-signals';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { DelayTaskEnvironment } from '../config/environment';
import { DELAY_TASK_CONFIG, REDIS_CLIENT } from '../delay-task.constants';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import { errorWithCauses } from '../logging/error-causes';
import { delayTaskLoggerFromEnv } from '../logging/delay-task-logger';
import { printable } from '../logging/printable';
import { RedisRefusedError } from '../store/redis-handshake';
import { boundHeapGrowth } from './heap-growth';

const logger = new Logger('Main');
const DEFAULT_HTTP_HOST = '127.0.0.1';
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|::1)$/;

async function bootstrap(): Promise<void> {
  survive();
  boundHeapGrowth();
  // DELAYTASK_LOG_FORMAT and DELAYTASK_LOG_LEVEL first, so that every line is written so.
  const delayTaskLogger = delayTaskLoggerFromEnv(environment()).install();
  // Loaded only now: loading it checks the environment, and that check may log.
  const { AppModule, checkedEnvironment } = await import('./app.module');
  await checkedEnvironment;
  // rawBody: the admin API takes a task as its text was sent (an ID-less task is named by it).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    abortOnError: false,
    rawBody: true,
    logger: delayTaskLogger,
  });
  exitWhenRedisRefuses(app.get<RedisLike>(REDIS_CLIENT, { strict: false }));
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
  logger.log(
    `HTTP on ${host}:${port}: / (status page), /metrics, /health, /health/live, ` +
      '/health/ready, /tasks, /stats, /openapi.json, /docs',
  );
  if (!LOOPBACK_HOST.test(host) && !config.get('DELAYTASK_HTTP_TOKEN', { infer: true })) {
    logger.warn(
      `The admin API listens on ${host} without DELAYTASK_HTTP_TOKEN: whoever reaches port ` +
        `${port} can schedule, cancel and requeue tasks`,
    );
  }
}

/**
 * The environment as the app's ConfigModule reads it: a .env file of the working directory, a
 * variable already set winning over it.
 */
function environment(): Record<string, string | undefined> {
  const file = resolve('.env');
  return { ...(existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {}), ...process.env };
}

/**
 * Handler code can throw where no caller waits (a timer's callback, a listener on its abort
 * signal) or leave a rejected promise nobody handles. Node would end the process, and every task
 * running in it with it: the service logs the error and goes on instead.
 */
function survive(): void {
  process.on('unhandledRejection', (reason: unknown) => {
    logger.error(`Unhandled promise rejection (a task handler's?): ${described(reason)}`);
  });
  process.on('uncaughtException', (error: Error) => {
    logger.error(`Uncaught exception (a task handler's?): ${described(error)}`, error.stack);
  });
}

/** An error for one log line: with its causes, escaped, cut. */
function described(error: unknown): string {
  return printable(errorWithCauses(error), 2000);
}

/**
 * A refused AUTH or SELECT on a reconnect has stopped the store's client for good (the password
 * or the databases changed on the server): the service exits so that it is seen to be down, and
 * the other instances take over its tasks when they can reach Redis.
 */
function exitWhenRedisRefuses(redis: RedisLike): void {
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
