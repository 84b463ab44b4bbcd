/**
 * Our side of the benchmark: the real engine (`DelayTaskModule`, compiled from src/ by the harness)
 * with a no-op handler, `BenchNoop`, that only records when it started, and the same handler with a
 * payload class, `BenchNoopValidated` (the ping tasks' `PingPayload`, checked at ingest), so that
 * the `payload` scenario can measure what the check costs. Boots like src/service/main.ts:
 * the transport is connected as a microservice and "Ready: subscribed to …" is logged once listening.
 * Configured by the environment (REDIS_URL, DELAYTASK_PREFIX, DELAYTASK_CONCURRENCY, …).
 */
import { Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import { closeOnSignals } from '../../src/engine/close-on-signals';
import { delayTaskOptionsFromEnv } from '../../src/config/options-from-environment';
import { DelayTaskModule } from '../../src/delay-task.module';
import { DelayTaskTransport } from '../../src/ingest/delay-task.transport';
import { PingPayload } from '../../src/service/examples/ping-payload';
import { DelayTask } from '../../src/tasks/delay-task.decorator';
import { DelayTaskHandler, type TaskOf } from '../../src/tasks/delay-task-handler';
import type { TaskContext } from '../../src/tasks/task-context';
import { answerMemoryRequests, StartRecorder } from './recorder';

const recorder = new StartRecorder();
answerMemoryRequests();
const done = Promise.resolve();

@DelayTask('BenchNoop')
@Injectable()
export class BenchNoopTask extends DelayTaskHandler {
  run(task: TaskOf<Record<string, unknown>>, context: TaskContext): Promise<void> {
    recorder.record(task.id, Date.now(), context.scheduledAt);
    return done;
  }
}

@DelayTask('BenchNoopValidated', { payload: PingPayload })
@Injectable()
export class BenchNoopValidatedTask extends BenchNoopTask {}

@Module({
  imports: [
    DelayTaskModule.forRootAsync({ useFactory: () => delayTaskOptionsFromEnv(process.env) }),
  ],
  providers: [BenchNoopTask, BenchNoopValidatedTask],
})
class BenchAppModule {}

const logger = new Logger('BenchApp');

async function bootstrap(): Promise<void> {
  const options = delayTaskOptionsFromEnv(process.env);
  const app = await NestFactory.create(BenchAppModule, {
    abortOnError: false,
    logger: ['log', 'warn', 'error'],
  });
  app.connectMicroservice<CustomStrategy>({ strategy: app.get(DelayTaskTransport) });
  await app.init();
  await app.startAllMicroservices();
  logger.log(`Ready: subscribed to ${options.prefix}${options.topic}`);
  process.send?.({ type: 'ready' });

  closeOnSignals(app, logger, () => recorder.flush());
}

bootstrap().catch((error: Error) => {
  logger.error(error.message);
  process.exit(1);
});
