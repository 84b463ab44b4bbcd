import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import { AppModule } from './app.module';
import { closeOnSignals } from './close-on-signals';
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

  closeOnSignals(app, logger);
}

bootstrap().catch((error: Error) => {
  logger.error(error.message);
  process.exit(1);
});
