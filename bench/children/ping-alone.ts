/**
 * The seed's ping handler alone, with no scheduler: `OncePingTask` from src/service/examples,
 * unchanged (its GET through `PingClient`, its log line through the service's `DelayTaskLogger`
 * made as src/service/main.ts makes it), run `BENCH_N` times, `BENCH_CONCURRENCY` at once, against
 * the burst-http server. Each run gets a context as the runner gives one (its own AbortSignal, the
 * type's Nest logger). What this process spends per run is the floor under any scheduler that runs
 * this handler: `burst-http` prints it beside the service's CPU per task.
 * Answers `{ type: 'go' }` once every run ended. Env: BENCH_HTTP_URL, BENCH_N, BENCH_CONCURRENCY.
 */
import { Logger } from '@nestjs/common';
import { delayTaskLoggerFromEnv } from '../../src/logging/delay-task-logger';
import { OncePingTask } from '../../src/service/examples/once-ping.task';
import { PingClient } from '../../src/service/examples/ping-client';
import { PingOptions } from '../../src/service/examples/ping-options';
import type { PingPayload } from '../../src/service/examples/ping-payload';
import type { TaskOf } from '../../src/tasks/delay-task-handler';

const url = process.env.BENCH_HTTP_URL ?? '';
const n = Number(process.env.BENCH_N);
const concurrency = Number(process.env.BENCH_CONCURRENCY);

delayTaskLoggerFromEnv(process.env).install();
const client = new PingClient(PingOptions.fromEnv(process.env));
const handler = new OncePingTask(client);
const logger = new Logger('OncePingTask');

async function runAll(): Promise<number> {
  let next = 0;
  let failed = 0;
  const slot = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      const task: TaskOf<PingPayload> = {
        id: String(i),
        name: 'OncePingTask',
        payload: { Url: `${url}ping/${i}` },
      };
      const context = {
        signal: new AbortController().signal,
        scheduledAt: Date.now(),
        attempt: 1,
        fencingToken: i,
        logger,
      };
      await handler.run(task, context).catch(() => failed++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, slot));
  return failed;
}

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'go') return;
  void runAll().then((failed) => process.send?.({ type: 'go', failed }));
});
process.on('SIGTERM', () => {
  client.onApplicationShutdown();
  process.exit(0);
});
process.send?.({ type: 'ready' });
