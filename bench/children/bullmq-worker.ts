/**
 * BullMQ's side of the benchmark: one `Worker` (concurrency from BENCH_CONCURRENCY, default 50)
 * whose processor does what our side's handler for the same scenario does:
 * - a job with `url` (`burst-http`) does what the seed's `OncePingTask` does: GETs the URL with a
 *   keep-alive agent of the options our `PingClient` uses (at most 64 sockets, 8 kept idle), reads
 *   the body, fails on a status other than 2xx, then logs one line per run (ToRunAt against RunAt)
 *   and records the run with the start time that line names;
 * - a job with `ms` (`share`) records its start, then waits that long;
 * - any other job records its start and returns (the no-op of the other scenarios).
 * Env: BENCH_REDIS_PORT, BENCH_QUEUE.
 */
import { Agent, request } from 'node:http';
import { setTimeout as wait } from 'node:timers/promises';
import { Worker, type Job } from 'bullmq';
import { PING_AGENT_OPTIONS } from '../../src/service/examples/ping-agent-options';
import { answerMemoryRequests, StartRecorder } from './recorder';

const recorder = new StartRecorder();
answerMemoryRequests();

interface BenchJobData {
  /** Harness index of a once job. */
  i?: number;
  /** Due time the harness asked for (unix ms). */
  due?: number;
  /** Scheduler index of a periodic job. */
  s?: number;
  /** URL to GET (burst-http). */
  url?: string;
  /** Milliseconds the job takes (share). */
  ms?: number;
}

/**
 * Our PingClient's agent options, imported rather than copied: the same connection reuse on both
 * sides. BENCH_MAX_FREE_SOCKETS changes how many idle sockets are kept (diagnosis only: it tells
 * what closing and opening connections costs this side).
 */
const agent = new Agent({
  ...PING_AGENT_OPTIONS,
  maxFreeSockets: Number(process.env.BENCH_MAX_FREE_SOCKETS ?? PING_AGENT_OPTIONS.maxFreeSockets),
});

/** GET with the agent; resolves with the status once the body was read, rejects on a non-2xx. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'user-agent': 'bench-bullmq' } }, (response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      response.on('end', () =>
        status >= 200 && status < 300
          ? resolve(status)
          : reject(new Error(`GET ${url}: ${status}`)),
      );
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function ping(job: Job<BenchJobData>, url: string): Promise<void> {
  const due = dueOf(job);
  const startedAt = Date.now();
  await get(url);
  console.log(
    `ping ${job.id} ToRunAt ${new Date(due).toISOString()} RunAt ${new Date(startedAt).toISOString()} ` +
      `(+${startedAt - due} ms), attempt ${job.attemptsMade + 1}`,
  );
  recorder.record(idOf(job), startedAt, due);
}

/**
 * When the job was meant to run: the harness's due time for once jobs; for a job scheduler's job,
 * the slot BullMQ put in its id (`repeat:<scheduler>:<millis>`).
 */
function dueOf(job: Job<BenchJobData>): number {
  if (typeof job.data.due === 'number') return job.data.due;
  const slot = /^repeat:.*:(\d+)$/.exec(String(job.id));
  if (slot) return Number(slot[1]);
  return (job.opts.timestamp ?? job.timestamp) + (job.opts.delay ?? 0);
}

function idOf(job: Job<BenchJobData>): string {
  if (typeof job.data.i === 'number') return String(job.data.i);
  if (typeof job.data.s === 'number') return `s${job.data.s}`;
  return String(job.id);
}

const worker = new Worker<BenchJobData>(
  process.env.BENCH_QUEUE ?? 'bench',
  (job) => {
    if (typeof job.data.url === 'string') return ping(job, job.data.url);
    recorder.record(idOf(job), Date.now(), dueOf(job));
    if (typeof job.data.ms === 'number') return wait(job.data.ms).then(() => undefined);
    return Promise.resolve();
  },
  {
    connection: { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT) },
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 50),
  },
);
worker.on('error', (error) => console.error(`worker error: ${error.message}`));

worker.waitUntilReady().then(
  () => {
    console.log('Ready: worker connected');
    process.send?.({ type: 'ready' });
  },
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);

process.on('SIGTERM', () => {
  worker.close().then(
    () => {
      recorder.flush();
      process.exit(0);
    },
    () => process.exit(1),
  );
});
