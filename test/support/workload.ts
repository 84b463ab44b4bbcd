import type Redis from 'ioredis';
import type { PingServer } from './ping-server';
import { publishRaw, unixSeconds } from './publish';

/** What was submitted, as the checks need it: the occurrence grid of every task. */
export interface SubmittedTask {
  readonly id: string;
  readonly kind: 'once' | 'periodic';
  /** `ToRunAt` (ms), rounded as the seed's producers write it. */
  readonly dueMs: number;
  readonly intervalMs?: number;
  readonly endMs?: number;
  /**
   * Set when the task had to be published again because no instance stored the first copy (none
   * was subscribed): the last publish time. A periodic task accepted after some of its grid times
   * starts at its next grid time, so the ones before this (and just after it) are not owed.
   */
  readonly owedFromMs?: number;
}

export interface WorkloadOptions {
  /** Once tasks, due evenly over [startMs, startMs + spreadMs). */
  once: number;
  /** Periodic tasks, first due evenly over the same span, each with `occurrences` runs. */
  periodic: number;
  startMs: number;
  spreadMs: number;
  intervalMs: number;
  occurrences: number;
  /** `Timeout` in seconds; a ping that outlives it counts as failed, not run. */
  timeoutSeconds?: number;
}

// Unique across the test files and chaos runs that share a ping server or a Redis: int64 text.
let nextId = Date.now() * 1000;
export const newTaskId = (): string => String(nextId++);

/** Builds seed-format messages for once and periodic ping tasks and the grid they must run on. */
export function pingWorkload(
  ping: PingServer,
  options: WorkloadOptions,
): { tasks: SubmittedTask[]; messages: string[] } {
  const tasks: SubmittedTask[] = [];
  const messages: string[] = [];
  const total = options.once + options.periodic;
  const timeout = String(options.timeoutSeconds ?? 10);
  for (let i = 0; i < total; i++) {
    const id = newTaskId();
    // Whole milliseconds survive the seconds-with-3-decimals wire format exactly.
    const dueMs = Math.round(options.startMs + (i * options.spreadMs) / total);
    // Interleave the two kinds evenly so that both are in flight at any moment.
    const isPeriodic =
      Math.floor(((i + 1) * options.periodic) / total) > Math.floor((i * options.periodic) / total);
    if (isPeriodic) {
      const endMs =
        dueMs + (options.occurrences - 1) * options.intervalMs + Math.round(options.intervalMs / 2);
      tasks.push({ id, kind: 'periodic', dueMs, intervalMs: options.intervalMs, endMs });
      messages.push(
        JSON.stringify({
          ID: id,
          Name: 'PeriodPingTask',
          ToRunAt: unixSeconds(dueMs),
          Interval: String(options.intervalMs / 1000),
          EndTime: unixSeconds(endMs),
          Timeout: timeout,
          Url: ping.url(id),
        }),
      );
    } else {
      tasks.push({ id, kind: 'once', dueMs });
      messages.push(
        JSON.stringify({
          ID: id,
          Name: 'OncePingTask',
          ToRunAt: unixSeconds(dueMs),
          Timeout: timeout,
          Url: ping.url(id),
        }),
      );
    }
  }
  return { tasks, messages };
}

/** Publishes on the channel in pipelined chunks (every instance hears every message). */
export async function publishAll(
  redis: Redis,
  channel: string,
  messages: readonly string[],
  chunk = 1000,
): Promise<void> {
  for (let i = 0; i < messages.length; i += chunk) {
    await publishRaw(redis, channel, messages.slice(i, i + chunk));
  }
}

/** The last scheduled occurrence of all tasks: nothing may still be due after it. */
export function lastDueMs(tasks: readonly SubmittedTask[]): number {
  let last = 0;
  for (const task of tasks) {
    if (task.kind === 'once') last = Math.max(last, task.dueMs);
    else last = Math.max(last, gridOf(task).at(-1) ?? task.dueMs);
  }
  return last;
}

/** The occurrences of a task: `ToRunAt + k·Interval` while `<= EndTime`. */
export function gridOf(task: SubmittedTask): number[] {
  if (task.kind === 'once' || task.intervalMs === undefined) return [task.dueMs];
  const grid: number[] = [];
  const end = task.endMs ?? task.dueMs;
  for (let at = task.dueMs; at <= end; at += task.intervalMs) grid.push(at);
  return grid;
}
