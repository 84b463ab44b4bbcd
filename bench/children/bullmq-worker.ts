/**
 * BullMQ's side of the benchmark: one `Worker` with a no-op processor (concurrency from
 * BENCH_CONCURRENCY, default 50) that only records when each job started and when it was due.
 * Env: BENCH_REDIS_PORT, BENCH_QUEUE.
 */
import { Worker, type Job } from 'bullmq';
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
    recorder.record(idOf(job), Date.now(), dueOf(job));
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
