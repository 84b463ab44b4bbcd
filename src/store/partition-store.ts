import type { Cluster, Redis } from 'ioredis';
import type { Claim, ClaimRef, RunOutcome, ScheduleStep } from '../domain/claim';
import { ReplicaAckError, UnexpectedReplyError } from './errors';
import type { TaskKeys } from './keys';
import type { ScriptArg } from './redis-commands';
import { asArray, asInt, asString, code, execResults } from './reply';
import { ms, optionalMs, pairs, positive, token } from './script-args';
import type {
  AcceptItem,
  AcceptResult,
  CompleteResult,
  LostLease,
  StoreLimits,
} from './store-types';

/** What startRuns says of one claim, in the order of the claims given. */
export type StartAnswer =
  | { code: 'started'; record: string; attempt: number; plannedMs: number }
  | { code: 'stale' }
  | { code: 'later'; atMs: number }
  | { code: 'stalled'; lost: number; record: string };

/** How many replicas must have an accept before it counts, and how long to wait for them. */
export interface ReplicaAcks {
  replicas: number;
  timeoutMs: number;
}

/**
 * The scripts of one partition: every key of a call carries the partition's hash tag, so each
 * call touches one cluster slot. Fencing tokens here are the partition's own (raw); TaskStore
 * maps them to tokens unique across partitions.
 */
export class PartitionStore {
  constructor(
    private readonly redis: Redis | Cluster,
    readonly keys: TaskKeys,
    private readonly limits: StoreLimits,
    private readonly acks: ReplicaAcks,
  ) {}

  async acceptTasks(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    items: readonly AcceptItem[],
  ): Promise<{ nowMs: number; results: AcceptResult[] }> {
    const k = this.keys;
    const { completedRetentionMs, replayWindowMs } = this.limits;
    const args: ScriptArg[] = [
      ...[k.tasks, k.due, k.leased, k.lease, k.fence, k.attempts, k.period],
      ...[k.completed, k.replaced, k.failed, k.failures, k.failedBytes, k.superseded],
      ...[k.running, k.stalls],
      owner,
      optionalMs('windowMs', windowMs),
      positive('leaseMs', leaseMs),
      ms('completedRetentionMs', completedRetentionMs),
      ms('replayWindowMs', replayWindowMs),
    ];
    for (const item of items) {
      args.push(item.id, item.record, ms('dueMs', item.dueMs), period(item));
    }
    const reply = asArray('acceptTasks', await this.acknowledged(args), 1, 2);
    expectCount('acceptTasks', (reply.length - 1) / 2, items.length);
    const results: AcceptResult[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      const status = code('acceptTasks', 'accept', reply[i]);
      const raw = asInt('acceptTasks', reply[i + 1], 'token');
      results.push(raw > 0 ? { status, token: raw } : { status });
    }
    return { nowMs: asInt('acceptTasks', reply[0], 'nowMs'), results };
  }

  /**
   * Runs acceptTasks and, when replicas are asked for, WAIT in the same pipeline: on one
   * connection, so WAIT counts the replicas that have this script's writes (on a Cluster the
   * pipeline goes to the node that owns the first key's slot, the partition's master).
   */
  private async acknowledged(args: ScriptArg[]): Promise<unknown> {
    const { replicas, timeoutMs } = this.acks;
    if (replicas === 0) return this.redis.acceptTasks(...args);
    const [reply, acknowledged] = execResults(
      'acceptTasks',
      await this.redis
        .pipeline()
        .acceptTasks(...args)
        .wait(replicas, timeoutMs)
        .exec(),
    );
    const count = asInt('WAIT', acknowledged, 'replica count');
    if (count < replicas) throw new ReplicaAckError(count, replicas, timeoutMs);
    return reply;
  }

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

  async startRuns(
    leaseMs: number,
    claims: readonly ClaimRef[],
  ): Promise<{ nowMs: number; answers: StartAnswer[] }> {
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
    expectCount('startRuns', (reply.length - 1) / 4, claims.length);
    const answers = claims.map((_claim, i): StartAnswer => {
      const at = 1 + 4 * i;
      const attempt = asInt('startRuns', reply[at + 2], 'attempt');
      switch (code('startRuns', 'start', reply[at])) {
        case 'started':
          return {
            code: 'started',
            record: asString('startRuns', reply[at + 1], 'record'),
            attempt,
            plannedMs: asInt('startRuns', reply[at + 3], 'atMs'),
          };
        case 'stale':
          return { code: 'stale' };
        case 'notDue':
        case 'superseded':
          return { code: 'later', atMs: asInt('startRuns', reply[at + 3], 'atMs') };
        case 'stalled':
          return {
            code: 'stalled',
            lost: attempt,
            record: asString('startRuns', reply[at + 1], 'record'),
          };
      }
    });
    return { nowMs: asInt('startRuns', reply[0], 'nowMs'), answers };
  }

  async renewLeases(leaseMs: number, claims: readonly ClaimRef[]): Promise<LostLease[]> {
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

  async completeRuns(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    outcomes: readonly RunOutcome[],
  ): Promise<CompleteResult[]> {
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
    expectCount('completeRuns', (reply.length - 1) / 3, outcomes.length);
    return outcomes.map(({ id }, i) => {
      const status = code('completeRuns', 'complete', reply[1 + 3 * i]);
      const nextToken = asInt('completeRuns', reply[2 + 3 * i], 'token');
      const nextMs = asInt('completeRuns', reply[3 + 3 * i], 'nextMs');
      return nextToken > 0
        ? { code: status, next: { id, dueMs: nextMs, token: nextToken } }
        : { code: status };
    });
  }

  async reclaimExpired(limit: number): Promise<number> {
    const k = this.keys;
    const reply = await this.redis.reclaimExpired(
      ...[k.leased, k.lease, k.due, k.tasks, k.running, k.stalls],
      positive('limit', limit),
    );
    return asInt('reclaimExpired', reply, 'count');
  }

  async releaseClaims(claims: readonly ClaimRef[]): Promise<number> {
    const k = this.keys;
    const reply = await this.redis.releaseClaims(
      ...[k.leased, k.lease, k.due, k.running],
      ...pairs(claims),
    );
    return asInt('releaseClaims', reply, 'count');
  }

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

  /** Sizes of the partition's main sets, read in one pipeline (dead letters are not per partition). */
  async counts(): Promise<{
    tasks: number;
    due: number;
    leased: number;
    failed: number;
    done: number;
  }> {
    const k = this.keys;
    const results = await this.redis
      .pipeline()
      .hlen(k.tasks)
      .zcard(k.due)
      .zcard(k.leased)
      .zcard(k.failed)
      .zcard(k.completed)
      .exec();
    const [tasks, due, leased, failed, done] = execResults('counts', results).map((n) =>
      asInt('counts', n, 'count'),
    );
    return { tasks, due, leased, failed, done };
  }
}

function expectCount(command: string, got: number, sent: number): void {
  if (got !== sent) {
    throw new UnexpectedReplyError(command, `expected ${sent} result(s) for ${sent} item(s)`, got);
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
