import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import { AppModule } from './app.module';
import { delayTaskOptionsFromEnv, httpPortFromEnv } from './config/env.config';
import { DelayTaskTransport } from './ingest/delay-task.transport';

const logger = new Logger('Main');

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  // Fail fast on a bad variable, before anything connects.
  const options = delayTaskOptionsFromEnv(process.env);
  const httpPort = httpPortFromEnv(process.env);

  const app = await NestFactory.create(AppModule, { abortOnError: false });
  app.connectMicroservice<CustomStrategy>({ strategy: app.get(DelayTaskTransport) });
  await app.init();
  await app.startAllMicroservices();
  if (httpPort !== undefined) await app.listen(httpPort, '127.0.0.1');
  logger.log(`Ready: subscribed to ${options.prefix}${options.topic}`);

  // Our own handlers rather than enableShutdownHooks(): Nest re-raises the signal after closing,
  // which ends the process with 143; a graceful stop exits 0.
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      logger.log(`${signal} received: stopping gracefully`);
      app.close().then(
        () => process.exit(0),
        (error: Error) => {
          logger.error(`Shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
    });
  }
}

bootstrap().catch((error: Error) => {
  logger.error(error.message);
  process.exit(1);
});
