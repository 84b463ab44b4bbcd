import type { Redis } from 'ioredis';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { Claim, ClaimRef, RunOutcome, ScheduleStep, StartedRun } from '../domain/claim';
import { UnexpectedReplyError } from './errors';
import type { TaskKeys } from './keys';
import type { ScriptArg } from './redis-commands';
import { asArray, asInt, asString, code, execResults } from './reply';
import { ms, optionalMs, pairs, positive, token } from './script-args';
import type { AcceptStatus, CompleteCode, LostReason } from './script-codes';

export interface AcceptItem {
  id: string;
  /** `JSON.stringify` of the TaskSpec; equal strings mean the same submission. */
  record: string;
  dueMs: number;
  /**
   * Set exactly for periodic tasks, in a field of their own (the scripts never decode a record):
   * what marks a task periodic, and its Jitter, which startRuns applies.
   */
  period?: { intervalMs?: number; endTimeMs?: number; jitterMs?: number };
}
export type { AcceptStatus, CompleteCode, LostReason } from './script-codes';
export interface AcceptResult {
  status: AcceptStatus;
  /** Fencing token, set when the task was claimed at once for the accepting owner. */
  token?: number;
}
export interface StartResult {
  nowMs: number;
  started: StartedRun[];
  /** Token superseded or lease gone: not ours to run. */
  stale: Claim[];
  /** Not to start before `atMs` (not due yet by the Redis clock, or an old run may still run). */
  later: { claim: Claim; atMs: number }[];
  /** Not started again: its runs were lost `lost` times; the runner ends it (`stalled`). */
  stalled: { claim: Claim; lost: number; record: string }[];
}
export interface CompleteResult {
  code: CompleteCode;
  /** The next occurrence of a periodic task, when it was claimed for the completing owner. */
  next?: Claim;
}
export interface LostLease extends ClaimRef {
  reason: LostReason;
}
/** Bounds and policies of what the scripts keep (see DelayTaskOptions). */
export type StoreLimits = Pick<
  DelayTaskOptions,
  | 'completedRetentionMs'
  | 'completedMax'
  | 'replayWindowMs'
  | 'failedRetentionMs'
  | 'failedMax'
  | 'failedMaxBytes'
  | 'historyRetentionMs'
  | 'historyMax'
  | 'maxStalls'
>;
export interface StoreCounts {
  tasks: number;
  due: number;
  leased: number;
  failed: number;
  done: number;
  dead: number;
}

/**
 * Task state in Redis. Each method runs one atomic Lua script (see `lua/`) or one pipeline;
 * all times inside the scripts are Redis server time. Expected outcomes (duplicates, stale
 * tokens) come back as results; malformed replies throw UnexpectedReplyError.
 */
export class TaskStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: TaskKeys,
    private readonly limits: StoreLimits,
  ) {}

  /**
   * Stores a batch of submissions; those due within `windowMs` are claimed for `owner`
   * (`windowMs` null: claim none, every task goes to the due set).
   */
  async acceptTasks(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    items: readonly AcceptItem[],
  ): Promise<{ nowMs: number; results: AcceptResult[] }> {
    const k = this.keys;
    const { completedRetentionMs, replayWindowMs } = this.limits;
    const args: ScriptArg[] = [
      owner,
      optionalMs('windowMs', windowMs),
      positive('leaseMs', leaseMs),
    ];
    args.push(
      ms('completedRetentionMs', completedRetentionMs),
      ms('replayWindowMs', replayWindowMs),
    );
    for (const item of items) {
      args.push(item.id, item.record, ms('dueMs', item.dueMs), period(item));
    }
    const reply = asArray(
      'acceptTasks',
      await this.redis.acceptTasks(
        ...[k.tasks, k.due, k.leased, k.lease, k.fence, k.attempts, k.period],
        ...[k.completed, k.replaced, k.failed, k.failures, k.failedBytes, k.superseded],
        ...[k.running, k.stalls],
        ...args,
      ),
      1,
      2,
    );
    this.expectCount('acceptTasks', (reply.length - 1) / 2, items.length);
    const results: AcceptResult[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      const status = code('acceptTasks', 'accept', reply[i]);
      const token = asInt('acceptTasks', reply[i + 1], 'token');
      results.push(token > 0 ? { status, token } : { status });
    }
    return { nowMs: asInt('acceptTasks', reply[0], 'nowMs'), results };
  }

  /** Claims for `owner` up to `limit` pending tasks due within `windowMs`, earliest first. */
  async claimDue(
    owner: string,
    windowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<{ nowMs: number; claims: Claim[] }> {
    const k = this.keys;
    const reply = asArray(
      'claimDue',
      await this.redis.claimDue(
        ...[k.due, k.leased, k.lease, k.fence],
        ...[
          owner,
          ms('windowMs', windowMs),
          positive('leaseMs', leaseMs),
          positive('limit', limit),
        ],
      ),
      1,
      3,
    );
    const claims: Claim[] = [];
    for (let i = 1; i < reply.length; i += 3) {
      claims.push({
        id: asString('claimDue', reply[i], 'id'),
        dueMs: asInt('claimDue', reply[i + 1], 'dueMs'),
        token: asInt('claimDue', reply[i + 2], 'token'),
      });
    }
    return { nowMs: asInt('claimDue', reply[0], 'nowMs'), claims };
  }

  /**
   * Starts the runs whose claims are still current and due by the Redis clock; the others come
   * back as stale, to retry later, or ended because their runs were lost too often.
   */
  async startRuns(leaseMs: number, claims: readonly Claim[]): Promise<StartResult> {
    const k = this.keys;
    const reply = asArray(
      'startRuns',
      await this.redis.startRuns(
        ...[k.tasks, k.leased, k.lease, k.attempts, k.period, k.superseded, k.running, k.stalls],
        positive('leaseMs', leaseMs),
        ms('maxStalls', this.limits.maxStalls),
        ...pairs(claims),
      ),
      1,
      4,
    );
    this.expectCount('startRuns', (reply.length - 1) / 4, claims.length);
    const result: StartResult = {
      nowMs: asInt('startRuns', reply[0], 'nowMs'),
      started: [],
      stale: [],
      later: [],
      stalled: [],
    };
    claims.forEach((claim, i) => {
      const at = 1 + 4 * i;
      const attempt = asInt('startRuns', reply[at + 2], 'attempt');
      switch (code('startRuns', 'start', reply[at])) {
        case 'started':
          result.started.push({
            ...claim,
            record: asString('startRuns', reply[at + 1], 'record'),
            attempt,
            plannedMs: asInt('startRuns', reply[at + 3], 'atMs'),
          });
          break;
        case 'stale':
          result.stale.push(claim);
          break;
        case 'notDue':
        case 'superseded':
          result.later.push({ claim, atMs: asInt('startRuns', reply[at + 3], 'atMs') });
          break;
        case 'stalled':
          result.stalled.push({
            claim,
            lost: attempt,
            record: asString('startRuns', reply[at + 1], 'record'),
          });
          break;
      }
    });
    return result;
  }

  /** Extends the leases still held; returns the lost ones, each with the reason. */
  async renewLeases(leaseMs: number, claims: readonly ClaimRef[]): Promise<LostLease[]> {
    if (claims.length === 0) return [];
    const k = this.keys;
    const reply = asArray(
      'renewLeases',
      await this.redis.renewLeases(
        ...[k.leased, k.lease, k.tasks, k.superseded],
        positive('leaseMs', leaseMs),
        ...pairs(claims),
      ),
      0,
      3,
    );
    const lost: LostLease[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      lost.push({
        id: asString('renewLeases', reply[i], 'lost id'),
        token: asInt('renewLeases', reply[i + 1], 'token'),
        reason: code('renewLeases', 'lost', reply[i + 2]),
      });
    }
    return lost;
  }

  /**
   * Records finished runs. The next occurrence of a periodic task is claimed for `owner` when it
   * falls within `windowMs` (null: claim none), so that short intervals need no window refill.
   */
  async completeRuns(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    outcomes: readonly RunOutcome[],
  ): Promise<CompleteResult[]> {
    if (outcomes.length === 0) return [];
    const k = this.keys;
    const args: ScriptArg[] = [
      owner,
      optionalMs('windowMs', windowMs),
      positive('leaseMs', leaseMs),
    ];
    const at = Date.now();
    for (const o of outcomes) args.push(o.id, token(o.token), o.outcome, ...outcomeArgs(o, at));
    const reply = asArray(
      'completeRuns',
      await this.redis.completeRuns(
        ...[k.tasks, k.due, k.leased, k.lease, k.fence, k.attempts, k.period],
        ...[k.completed, k.failed, k.failures, k.failedBytes, k.superseded, k.running],
        ...[k.stalls, k.history, k.historyAt, k.counters],
        ...args,
      ),
      1,
      3,
    );
    this.expectCount('completeRuns', (reply.length - 1) / 3, outcomes.length);
    return outcomes.map(({ id }, i) => {
      const status = code('completeRuns', 'complete', reply[1 + 3 * i]);
      const nextToken = asInt('completeRuns', reply[2 + 3 * i], 'token');
      const nextMs = asInt('completeRuns', reply[3 + 3 * i], 'nextMs');
      return nextToken > 0
        ? { code: status, next: { id, dueMs: nextMs, token: nextToken } }
        : { code: status };
    });
  }

  /** Puts up to `limit` claims whose lease expired back in the due set at their due time. */
  async reclaimExpired(limit: number): Promise<number> {
    const k = this.keys;
    const reply = await this.redis.reclaimExpired(
      ...[k.leased, k.lease, k.due, k.tasks, k.running, k.stalls],
      positive('limit', limit),
    );
    return asInt('reclaimExpired', reply, 'count');
  }

  /** Gives claims back to the due set at once (graceful shutdown); returns how many. */
  async releaseClaims(claims: readonly ClaimRef[]): Promise<number> {
    if (claims.length === 0) return 0;
    const k = this.keys;
    const reply = await this.redis.releaseClaims(
      ...[k.leased, k.lease, k.due, k.running],
      ...pairs(claims),
    );
    return asInt('releaseClaims', reply, 'count');
  }

  /**
   * Trims what finished tasks leave behind to its bounds (completed and replaced submissions,
   * failed tasks), oldest first, up to `limit` entries of each; returns how many went.
   */
  async pruneFinished(limit: number): Promise<number> {
    const k = this.keys;
    const l = this.limits;
    const reply = await this.redis.pruneFinished(
      ...[k.completed, k.replaced, k.failed, k.failures, k.failedBytes, k.tasks, k.period],
      ...[k.history, k.historyAt, k.cancelled],
      ms('completedRetentionMs', l.completedRetentionMs),
      positive('completedMax', l.completedMax),
      ms('replayWindowMs', l.replayWindowMs),
      ms('failedRetentionMs', l.failedRetentionMs),
      positive('failedMax', l.failedMax),
      positive('failedMaxBytes', l.failedMaxBytes),
      ms('historyRetentionMs', l.historyRetentionMs),
      positive('historyMax', l.historyMax),
      positive('limit', limit),
    );
    return asInt('pruneFinished', reply, 'count');
  }

  /**
   * Keeps a dead-letter entry, newest first; the oldest entries go while the list holds more than
   * `maxCount` entries or `maxBytes` bytes. Returns how many were dropped.
   */
  async keepDeadLetter(entryJson: string, maxCount: number, maxBytes: number): Promise<number> {
    const k = this.keys;
    const reply = await this.redis.keepDeadLetter(
      ...[k.dead, k.deadBytes],
      ...[entryJson, positive('maxCount', maxCount), positive('maxBytes', maxBytes)],
    );
    return asInt('keepDeadLetter', reply, 'count');
  }

  /** Sizes of the main sets, read in one pipeline. */
  async counts(): Promise<StoreCounts> {
    const k = this.keys;
    const results = await this.redis
      .pipeline()
      .hlen(k.tasks)
      .zcard(k.due)
      .zcard(k.leased)
      .zcard(k.failed)
      .zcard(k.completed)
      .llen(k.dead)
      .exec();
    const [tasks, due, leased, failed, done, dead] = execResults('counts', results).map((n) =>
      asInt('counts', n, 'count'),
    );
    return { tasks, due, leased, failed, done, dead };
  }

  /** Adds this instance's task names to those the fleet runs (never removed: names only grow). */
  async registerTaskTypes(names: readonly string[]): Promise<void> {
    if (names.length > 0) await this.redis.sadd(this.keys.taskTypes, ...names);
  }

  /** Every task name an instance has registered. */
  taskTypes(): Promise<string[]> {
    return this.redis.smembers(this.keys.taskTypes);
  }

  /** Redis server time in ms (the clock every script uses). */
  async redisTime(): Promise<number> {
    const reply: unknown = await this.redis.time();
    const [seconds, micros] = asArray('TIME', reply, 2, 1);
    return (
      asInt('TIME', seconds, 'seconds') * 1000 + Math.floor(asInt('TIME', micros, 'µs') / 1000)
    );
  }

  private expectCount(command: string, got: number, sent: number): void {
    if (got !== sent) {
      throw new UnexpectedReplyError(
        command,
        `expected ${sent} result(s) for ${sent} item(s)`,
        got,
      );
    }
  }
}

function period(item: AcceptItem): string {
  if (item.period === undefined) return '';
  const { intervalMs, endTimeMs, jitterMs } = item.period;
  const interval = intervalMs === undefined ? '' : positive('intervalMs', intervalMs);
  const end = endTimeMs === undefined ? '' : ms('endTimeMs', endTimeMs);
  const jitter = jitterMs === undefined ? '' : ms('jitterMs', jitterMs);
  return `${interval}|${end}|${jitter}`;
}

/**
 * completeRuns' arguments after id, token and outcome: the failure JSON, the retry policy, the
 * next occurrence and the missed count (see completeRuns-17.lua).
 */
function outcomeArgs(o: RunOutcome, at: number): ScriptArg[] {
  switch (o.outcome) {
    case 'abandoned':
    case 'unstarted':
      return ['', '', '', '', ''];
    case 'ok':
    case 'missed':
      return ['', '', '', ...scheduleArgs(o.schedule)];
    default: {
      const failure = JSON.stringify({
        outcome: o.outcome,
        error: o.error,
        at,
        attempt: o.attempt,
      });
      const retry = o.retry
        ? [positive('maxAttempts', o.retry.maxAttempts), ms('retryDelayMs', o.retry.delayMs)]
        : ['', ''];
      return [failure, ...retry, ...scheduleArgs(o.schedule)];
    }
  }
}

function scheduleArgs(schedule: ScheduleStep | undefined): ScriptArg[] {
  if (!schedule) return ['', ''];
  const { nextMs, missed } = schedule;
  return [nextMs === undefined ? '' : ms('nextMs', nextMs), missed > 0 ? ms('missed', missed) : ''];
}
