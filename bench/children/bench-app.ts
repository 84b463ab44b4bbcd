/**
 * Our side of the benchmark: the real engine (`DelayTaskModule`, compiled from src/ by the harness)
 * with a no-op handler, `BenchNoop`, that only records when it started, and the same handler with a
 * payload class, `BenchNoopValidated` (the ping tasks' `PingPayload`, checked at ingest), so that
 * the `payload` scenario can measure what the check costs; `BenchSleep`, which records its start
 * and then waits the task's `Ms` (the `share` scenario); and the service's own examples
 * (`ExamplesModule`: `OncePingTask`, `PeriodPingTask`), unchanged, for `burst-http`. A ping run
 * is recorded from the line it logs (`OncePingTask <id> ToRunAt … RunAt …`): its own start and due
 * time, read by the logger the app is given: the service's own `DelayTaskLogger` as
 * src/service/main.ts makes it (`DELAYTASK_LOG_FORMAT`, `DELAYTASK_LOG_LEVEL`; text lines by default,
 * no colours on a pipe, the lines of one event-loop turn in one write), so the run costs what it
 * costs a user of `npm start`.
 * Boots like src/service/main.ts: the transport is connected as a microservice and "Ready:
 * subscribed to …" is logged once listening. Configured by the environment (REDIS_URL,
 * DELAYTASK_PREFIX, DELAYTASK_CONCURRENCY, DELAYTASK_PING_ALLOW, …).
 */
import { setTimeout as wait } from 'node:timers/promises';
import { Injectable, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { CustomStrategy } from '@nestjs/microservices';
import { closeOnSignals } from '../../src/engine/close-on-signals';
import { delayTaskOptionsFromEnv } from '../../src/config/options-from-environment';
import { DelayTaskModule } from '../../src/delay-task.module';
import { DelayTaskTransport } from '../../src/ingest/delay-task.transport';
import {
  DelayTaskLogger,
  delayTaskLoggerOptionsFromEnv,
} from '../../src/logging/delay-task-logger';
import { ExamplesModule } from '../../src/service/examples/examples.module';
import { boundHeapGrowth } from '../../src/service/heap-growth';
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

/** Records its start, then takes the task's `Ms` milliseconds (a handler with work to wait for). */
@DelayTask('BenchSleep')
@Injectable()
export class BenchSleepTask extends DelayTaskHandler<{ Ms?: number }> {
  async run(task: TaskOf<{ Ms?: number }>, context: TaskContext): Promise<void> {
    recorder.record(task.id, Date.now(), context.scheduledAt);
    await wait(Number(task.payload.Ms ?? 0));
  }
}

/** The line `PingTask.run` logs after its GET: `OncePingTask <id> ToRunAt <iso> RunAt <iso> (+n ms), …`. */
const PING_LINE = /^OncePingTask (\S+) ToRunAt (\S+) RunAt (\S+) /;

/** The service's logger, unchanged, that also records each ping run from the line it logs. */
class PingLineRecorder extends DelayTaskLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (typeof message === 'string' && message.startsWith('OncePingTask ')) {
      const line = PING_LINE.exec(message);
      if (line) recorder.record(line[1], Date.parse(line[3]), Date.parse(line[2]));
    }
    super.log(message, ...(optionalParams as [string?]));
  }
}

@Module({
  imports: [
    DelayTaskModule.forRootAsync({ useFactory: () => delayTaskOptionsFromEnv(process.env) }),
    ExamplesModule,
  ],
  providers: [BenchNoopTask, BenchNoopValidatedTask, BenchSleepTask],
})
class BenchAppModule {}

const logger = new Logger('BenchApp');

async function bootstrap(): Promise<void> {
  // As src/service/main.ts does: the service as `npm start` runs it.
  boundHeapGrowth();
  const options = delayTaskOptionsFromEnv(process.env);
  const app = await NestFactory.create(BenchAppModule, {
    abortOnError: false,
    logger: new PingLineRecorder(delayTaskLoggerOptionsFromEnv(process.env)).install(),
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
