import type { Cluster, Redis } from 'ioredis';
import type { TaskKeys } from './keys';
import { Partitions } from './partitions';
import { asArray, asInt, asString, code, execResults } from './reply';
import { positive } from './script-args';
import { SCRIPT_CODES, type CancelCode, type CodeOf, type RequeueCode } from './script-codes';

export type TaskState = Exclude<CodeOf<'taskState'>, 'notFound'>;

/** Every state a task can be found in, for the admin API's and the CLI's arguments. */
export const TASK_STATES: readonly TaskState[] = Object.keys(SCRIPT_CODES.taskState).filter(
  (state): state is TaskState => state !== 'notFound',
);

/** The most tasks one page of a listing may hold: each is one script call. */
export const MAX_PAGE_SIZE = 1000;

/** One task as Redis holds it at one instant. */
export interface StoredTask {
  id: string;
  state: TaskState;
  /** The stored record (JSON of the TaskSpec). */
  record: string;
  /** Pending or running: when the current occurrence is (was) due; else 0. */
  dueMs: number;
  /** Starts of the current occurrence so far. */
  attempt: number;
  /** JSON of the last failure, when there is one. */
  lastFailure?: string;
  /** Failed, cancelled or done: when. */
  finishedAtMs?: number;
}

export interface TaskPage {
  tasks: StoredTask[];
  /** Where the next page starts; null when this is the last one. */
  cursor: string | null;
}

export interface TaskStats {
  /** Accepted tasks not yet finished, running ones included. */
  pending: number;
  running: number;
  failed: number;
  cancelled: number;
  /** Completed submissions remembered (see DELAYTASK_COMPLETED_RETENTION_MS). */
  done: number;
  deadLetters: number;
  /** How overdue the oldest task due but not yet claimed is (0 when none is overdue). */
  oldestDueLagMs: number;
  /** Occurrences of periodic tasks skipped by their catch-up or overlap rules, since ever. */
  missed: number;
  /** Occurrences that did not run because they would have started past their MaxLateness. */
  expired: number;
}

/** The sorted set of ids each listed state lives in. */
const LISTED: Readonly<Record<TaskState, (k: TaskKeys) => string>> = {
  pending: (k) => k.due,
  running: (k) => k.running,
  failed: (k) => k.failed,
  cancelled: (k) => k.cancelled,
  done: (k) => k.historyAt,
};

/**
 * The store's side of operating tasks: cancel, requeue, inspect, list, count. State changes are
 * one script each, on the task's partition; reads that need one instant are one script too,
 * listings are plain reads. Fencing tokens are TaskStore's, unique across partitions.
 */
export class OperationsStore {
  private readonly partitions: Partitions;

  constructor(
    private readonly redis: Redis | Cluster,
    /** The keys shared by every partition (the control channel, dead letters). */
    readonly keys: TaskKeys,
    partitions = 1,
  ) {
    this.partitions = new Partitions(keys.prefix, partitions);
  }

  private keysOf(id: string): TaskKeys {
    return this.partitions.keys(this.partitions.of(id));
  }

  /** Cancels a task; a started run is told on the control channel (its token comes back). */
  async cancelTask(id: string): Promise<{ code: CancelCode; runToken?: number }> {
    const k = this.keysOf(id);
    const reply = asArray(
      'cancelTask',
      await this.redis.cancelTask(
        ...[k.tasks, k.due, k.leased, k.lease, k.running, k.attempts, k.superseded],
        ...[k.cancelled, k.failed, k.failures, k.failedBytes, k.stalls],
        id,
        this.keys.control,
      ),
      2,
      1,
    );
    const status = code('cancelTask', 'cancel', reply[0]);
    const raw = asInt('cancelTask', reply[1], 'token');
    if (raw <= 0) return { code: status };
    return { code: status, runToken: this.partitions.toGlobal(raw, this.partitions.of(id)) };
  }

  /** Makes a failed or cancelled task pending again, due now by the Redis clock. */
  async requeueTask(id: string): Promise<{ code: RequeueCode; dueMs?: number }> {
    const k = this.keysOf(id);
    const reply = asArray(
      'requeueTask',
      await this.redis.requeueTask(
        ...[k.tasks, k.due, k.attempts, k.cancelled, k.failed, k.failures, k.failedBytes],
        ...[k.running, k.stalls],
        id,
      ),
      2,
      1,
    );
    const status = code('requeueTask', 'requeue', reply[0]);
    const dueMs = asInt('requeueTask', reply[1], 'dueMs');
    return status === 'requeued' ? { code: status, dueMs } : { code: status };
  }

  /** The task's state at one instant, or undefined when Redis knows no such task. */
  async inspectTask(id: string): Promise<StoredTask | undefined> {
    const k = this.keysOf(id);
    const reply = asArray(
      'inspectTask',
      await this.redis.inspectTask(
        ...[k.tasks, k.due, k.lease, k.running, k.attempts, k.failed, k.failures],
        ...[k.cancelled, k.history, k.historyAt, k.period],
        id,
      ),
      6,
      1,
    );
    const state = code('inspectTask', 'taskState', reply[0]);
    if (state === 'notFound') return undefined;
    const lastFailure = asString('inspectTask', reply[4], 'last failure');
    const finishedAtMs = asInt('inspectTask', reply[5], 'finishedAtMs');
    return {
      id,
      state,
      record: asString('inspectTask', reply[1], 'record'),
      dueMs: asInt('inspectTask', reply[2], 'dueMs'),
      attempt: asInt('inspectTask', reply[3], 'attempt'),
      ...(lastFailure === '' ? {} : { lastFailure }),
      ...(finishedAtMs === 0 ? {} : { finishedAtMs }),
    };
  }

  /**
   * A page of the tasks in one state, oldest first (by due time, start, failure, cancellation or
   * completion) within a partition, one partition after the other. The cursor is a position:
   * a page may repeat or skip an entry that moved meanwhile. Pending lists the tasks waiting in
   * Redis; those claimed by an instance and about to run are not listed until they run.
   */
  async listTasks(state: TaskState, limit: number, cursor?: string): Promise<TaskPage> {
    positive('limit', limit);
    const count = this.partitions.count;
    let { partition, offset } = positionOf(cursor, count);
    const ids: string[] = [];
    while (partition < count) {
      const set = LISTED[state](this.partitions.keys(partition));
      const wanted = limit - ids.length;
      const got = await this.redis.zrange(set, offset, offset + wanted - 1);
      ids.push(...got);
      offset += got.length;
      if (got.length === wanted) break;
      partition += 1;
      offset = 0;
    }
    const found = await Promise.all(ids.map((id) => this.inspectTask(id)));
    const tasks = found.filter((task): task is StoredTask => task?.state === state);
    return { tasks, cursor: partition < count ? String(offset * count + partition) : null };
  }

  /** Counts by state, summed over the partitions: one pipeline each, all at once. */
  async stats(): Promise<TaskStats> {
    const [parts, shared] = await Promise.all([
      this.partitions.everyPartition((p) => this.partitionCounts(this.partitions.keys(p))),
      this.redis.pipeline().llen(this.keys.dead).time().exec(),
    ]);
    const [deadLetters, time] = execResults('stats', shared);
    const [seconds, micros] = asArray('TIME', time, 2, 1);
    const nowMs = count(seconds) * 1000 + Math.floor(count(micros) / 1000);
    const sum = (pick: (c: PartitionCounts) => number) =>
      parts.reduce((total, c) => total + pick(c), 0);
    const oldestDueMs = Math.min(nowMs, ...parts.map((c) => c.oldestDueMs ?? nowMs));
    return {
      pending: sum((c) => c.live - c.failed - c.cancelled),
      running: sum((c) => c.running),
      failed: sum((c) => c.failed),
      cancelled: sum((c) => c.cancelled),
      done: sum((c) => c.done),
      deadLetters: count(deadLetters),
      oldestDueLagMs: Math.max(0, nowMs - oldestDueMs),
      missed: sum((c) => c.missed),
      expired: sum((c) => c.expired),
    };
  }

  private async partitionCounts(k: TaskKeys): Promise<PartitionCounts> {
    const results = await this.redis
      .pipeline()
      .hlen(k.tasks)
      .zcard(k.running)
      .zcard(k.failed)
      .zcard(k.cancelled)
      .zcard(k.completed)
      .zrange(k.due, 0, 0, 'WITHSCORES')
      .hmget(k.counters, 'missed', 'expired')
      .exec();
    const [live, running, failed, cancelled, done, oldest, counters] = execResults(
      'stats',
      results,
    );
    const oldestDue = asArray('stats', oldest, 0, 2);
    const [missed, expired] = asArray('stats', counters, 2, 2);
    return {
      live: count(live),
      running: count(running),
      failed: count(failed),
      cancelled: count(cancelled),
      done: count(done),
      oldestDueMs: oldestDue.length === 0 ? undefined : Number(oldestDue[1]),
      missed: count(missed ?? 0),
      expired: count(expired ?? 0),
    };
  }
}

/** One partition's share of the stats. */
interface PartitionCounts {
  live: number;
  running: number;
  failed: number;
  cancelled: number;
  done: number;
  /** Due time of its oldest task waiting in due, if any. */
  oldestDueMs?: number;
  missed: number;
  expired: number;
}

function count(value: unknown): number {
  return asInt('stats', value, 'count');
}

/**
 * Where a listing goes on: the cursor is `offset * P + partition`, one whole number (the CLI's
 * `--cursor` takes a number), and with P = 1 the plain offset it was before partitions.
 */
function positionOf(
  cursor: string | undefined,
  count: number,
): { partition: number; offset: number } {
  const position = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isSafeInteger(position) || position < 0) return { partition: 0, offset: 0 };
  return { partition: position % count, offset: Math.floor(position / count) };
}
