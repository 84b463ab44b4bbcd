import type { Redis } from 'ioredis';
import { StoreArgumentError, UnexpectedReplyError } from './errors';
import type { TaskKeys } from './keys';
import type { ScriptArg } from './redis-commands';
import { asArray, asInt, asString } from './reply';

export interface AcceptItem {
  id: string;
  /** `JSON.stringify` of the TaskSpec; equal strings mean the same submission. */
  record: string;
  dueMs: number;
}
export type AcceptStatus = 'duplicate' | 'stored' | 'rescheduled' | 'completed';
export interface AcceptResult {
  status: AcceptStatus;
  /** Fencing token, set when the task was claimed at once for the accepting owner. */
  token?: number;
}
export interface Claim {
  id: string;
  /** Scheduled time of the claimed occurrence. */
  dueMs: number;
  token: number;
}
export interface StartedRun extends Claim {
  record: string;
  /** Starts of this occurrence so far, this one included (1 on the first run). */
  attempt: number;
}
export type ClaimRef = Pick<Claim, 'id' | 'token'>;
export type RunOutcome =
  | { id: string; token: number; outcome: 'ok' }
  | { id: string; token: number; outcome: 'error' | 'timeout'; error: string; attempt?: number };
export type CompleteCode = 'done' | 'next' | 'failed' | 'stale';
export interface StoreCounts {
  tasks: number;
  due: number;
  leased: number;
  failed: number;
  done: number;
  dead: number;
}

const ACCEPT_STATUS: Record<number, AcceptStatus> = {
  0: 'duplicate',
  1: 'stored',
  2: 'rescheduled',
  3: 'completed',
};
const COMPLETE_CODE: Record<number, CompleteCode> = {
  [-1]: 'stale',
  1: 'done',
  2: 'next',
  3: 'failed',
};

/**
 * Task state in Redis. Each method runs one atomic Lua script (see `lua/`) or one pipeline;
 * all times inside the scripts are Redis server time. Expected outcomes (duplicates, stale
 * tokens) come back as results; malformed replies throw UnexpectedReplyError.
 */
export class TaskStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: TaskKeys,
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
    const window = windowMs === null ? '' : ms('windowMs', windowMs);
    const args: ScriptArg[] = [owner, window, positive('leaseMs', leaseMs)];
    for (const item of items) args.push(item.id, item.record, ms('dueMs', item.dueMs));
    const reply = asArray(
      'acceptTasks',
      await this.redis.acceptTasks(
        ...[k.tasks, k.due, k.leased, k.lease, k.fence, k.attempts],
        ...[k.done, k.doneAt, k.failed, k.failures],
        ...args,
      ),
      1,
      2,
    );
    const results: AcceptResult[] = [];
    for (let i = 1; i < reply.length; i += 2) {
      const code = asInt('acceptTasks', reply[i], 'status code');
      const status = ACCEPT_STATUS[code];
      if (!status) throw new UnexpectedReplyError('acceptTasks', 'unknown status code', code);
      const token = asInt('acceptTasks', reply[i + 1], 'token');
      results.push(token > 0 ? { status, token } : { status });
    }
    this.expectCount('acceptTasks', results.length, items.length);
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

  /** Starts the runs whose claims are still current; the others come back as stale. */
  async startRuns(
    leaseMs: number,
    claims: readonly Claim[],
  ): Promise<{ nowMs: number; started: StartedRun[]; stale: Claim[]; early: Claim[] }> {
    const k = this.keys;
    const reply = asArray(
      'startRuns',
      await this.redis.startRuns(
        ...[k.tasks, k.leased, k.lease, k.attempts],
        positive('leaseMs', leaseMs),
        ...pairs(claims),
      ),
      1,
      2,
    );
    this.expectCount('startRuns', (reply.length - 1) / 2, claims.length);
    const started: StartedRun[] = [];
    const stale: Claim[] = [];
    const early: Claim[] = [];
    claims.forEach((claim, i) => {
      const record = asString('startRuns', reply[1 + 2 * i], 'record');
      const attempt = asInt('startRuns', reply[2 + 2 * i], 'attempt');
      if (record !== '') started.push({ ...claim, record, attempt });
      else if (attempt === -1) early.push(claim);
      else stale.push(claim);
    });
    return { nowMs: asInt('startRuns', reply[0], 'nowMs'), started, stale, early };
  }

  /** Extends the leases still held; returns the ids whose lease was lost. */
  async renewLeases(leaseMs: number, claims: readonly ClaimRef[]): Promise<string[]> {
    if (claims.length === 0) return [];
    const k = this.keys;
    const reply = asArray(
      'renewLeases',
      await this.redis.renewLeases(
        k.leased,
        k.lease,
        positive('leaseMs', leaseMs),
        ...pairs(claims),
      ),
      0,
      1,
    );
    return reply.map((id) => asString('renewLeases', id, 'lost id'));
  }

  /** Records finished runs: `done`, `next` (periodic rescheduled), `failed` or `stale`. */
  async completeRuns(outcomes: readonly RunOutcome[]): Promise<CompleteCode[]> {
    if (outcomes.length === 0) return [];
    const k = this.keys;
    const args: ScriptArg[] = [];
    const at = Date.now();
    for (const o of outcomes) {
      const failure =
        o.outcome === 'ok'
          ? ''
          : JSON.stringify({ outcome: o.outcome, error: o.error, at, attempt: o.attempt });
      args.push(o.id, token(o.token), o.outcome, failure);
    }
    const reply = asArray(
      'completeRuns',
      await this.redis.completeRuns(
        ...[k.tasks, k.due, k.leased, k.lease, k.attempts],
        ...[k.done, k.doneAt, k.failed, k.failures],
        ...args,
      ),
      1,
      1,
    );
    this.expectCount('completeRuns', reply.length - 1, outcomes.length);
    return reply.slice(1).map((value) => {
      const code = COMPLETE_CODE[asInt('completeRuns', value, 'code')];
      if (!code) throw new UnexpectedReplyError('completeRuns', 'unknown code', value);
      return code;
    });
  }

  /** Puts up to `limit` claims whose lease expired back in the due set at their due time. */
  async reclaimExpired(limit: number): Promise<number> {
    const k = this.keys;
    const reply = await this.redis.reclaimExpired(
      ...[k.leased, k.lease, k.due, k.tasks],
      positive('limit', limit),
    );
    return asInt('reclaimExpired', reply, 'count');
  }

  /** Gives claims back to the due set at once (graceful shutdown); returns how many. */
  async releaseClaims(claims: readonly ClaimRef[]): Promise<number> {
    if (claims.length === 0) return 0;
    const k = this.keys;
    const reply = await this.redis.releaseClaims(k.leased, k.lease, k.due, ...pairs(claims));
    return asInt('releaseClaims', reply, 'count');
  }

  /** Forgets up to `limit` completions older than `retentionMs`; returns how many. */
  async pruneCompleted(retentionMs: number, limit: number): Promise<number> {
    const k = this.keys;
    const reply = await this.redis.pruneCompleted(
      ...[k.doneAt, k.done],
      ...[ms('retentionMs', retentionMs), positive('limit', limit)],
    );
    return asInt('pruneCompleted', reply, 'count');
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
      .hlen(k.done)
      .llen(k.dead)
      .exec();
    const [tasks, due, leased, failed, done, dead] = execResults('counts', results).map((n) =>
      asInt('counts', n, 'count'),
    );
    return { tasks, due, leased, failed, done, dead };
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

function ms(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreArgumentError(name, value, 'a whole number of milliseconds >= 0');
  }
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StoreArgumentError(name, value, 'a whole number >= 1');
  }
  return value;
}

function token(value: number): number {
  return positive('token', value);
}

function pairs(claims: readonly ClaimRef[]): ScriptArg[] {
  return claims.flatMap((c) => [c.id, token(c.token)]);
}

function execResults(command: string, results: [Error | null, unknown][] | null): unknown[] {
  if (!results) throw new UnexpectedReplyError(command, 'transaction was discarded', results);
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
