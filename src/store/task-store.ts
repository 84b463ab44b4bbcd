import type { Cluster, Redis } from 'ioredis';
import type { Claim, ClaimRef, RunOutcome } from '../domain/claim';
import { PartitionsMismatchError } from './errors';
import { spreadLimit } from './fair-share';
import type { TaskKeys } from './keys';
import { PartitionStore } from './partition-store';
import { Partitions } from './partitions';
import { asArray, asInt } from './reply';
import { positive } from './script-args';
import type {
  AcceptItem,
  AcceptResult,
  CompleteResult,
  LostLease,
  StartResult,
  StoreCounts,
  StoreLayout,
  StoreLimits,
} from './store-types';

export type * from './store-types';

/**
 * Task state in Redis. Each method runs one atomic Lua script (see `lua/`) or one pipeline per
 * partition that holds some of its tasks (see partitions.ts), the calls of one method at once;
 * all times inside the scripts are Redis server time. Expected outcomes (duplicates, stale
 * tokens) come back as results; malformed replies throw UnexpectedReplyError. Fencing tokens are
 * unique across partitions (`raw * P + p`).
 */
export class TaskStore {
  private readonly partitions: Partitions;
  private readonly stores: readonly PartitionStore[];
  /** Where the next spread of a limit starts, so that no partition always comes first. */
  private turn: number;

  constructor(
    private readonly redis: Redis | Cluster,
    /** The keys shared by every partition (task types, dead letters, the control channel). */
    readonly keys: TaskKeys,
    limits: StoreLimits & StoreLayout,
  ) {
    this.partitions = new Partitions(keys.prefix, limits.partitions ?? 1);
    const acks = {
      replicas: limits.replicaAcks ?? 0,
      timeoutMs: limits.replicaAckTimeoutMs ?? 1000,
    };
    this.stores = Array.from(
      { length: this.partitions.count },
      (_, p) => new PartitionStore(redis, this.partitions.keys(p), limits, acks),
    );
    this.turn = Math.floor(Math.random() * this.partitions.count);
  }

  /**
   * Stores a batch of submissions; those due within `windowMs` are claimed for `owner`
   * (`windowMs` null: claim none, every task goes to the due set). With `replicaAcks` set, fails
   * with ReplicaAckError when a partition's writes did not reach that many replicas in time.
   */
  async acceptTasks(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    items: readonly AcceptItem[],
  ): Promise<{ nowMs: number; results: AcceptResult[] }> {
    let nowMs = 0;
    const results = await this.partitions.perItem(items, itemId, async (p, batch) => {
      const answer = await this.stores[p].acceptTasks(owner, windowMs, leaseMs, batch);
      nowMs = Math.max(nowMs, answer.nowMs);
      return answer.results.map((r) =>
        r.token === undefined ? r : { ...r, token: this.partitions.toGlobal(r.token, p) },
      );
    });
    return { nowMs, results };
  }

  /**
   * Claims for `owner` up to `limit` pending tasks due within `windowMs`, earliest first within
   * a partition; the limit is spread over the partitions (fair-share.ts).
   */
  async claimDue(
    owner: string,
    windowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<{ nowMs: number; claims: Claim[] }> {
    let nowMs = 0;
    const claims: Claim[] = [];
    await this.spread(limit, async (p, share) => {
      const got = await this.stores[p].claimDue(owner, windowMs, leaseMs, share);
      nowMs = Math.max(nowMs, got.nowMs);
      for (const c of got.claims)
        claims.push({ ...c, token: this.partitions.toGlobal(c.token, p) });
      return got.claims.length;
    });
    return { nowMs, claims };
  }

  /**
   * Starts the runs whose claims are still current and due by the Redis clock; the others come
   * back as stale, to retry later, or ended because their runs were lost too often.
   */
  async startRuns(leaseMs: number, claims: readonly Claim[]): Promise<StartResult> {
    let nowMs = 0;
    const answers = await this.partitions.perItem(claims, itemId, async (p, batch) => {
      const got = await this.stores[p].startRuns(leaseMs, this.rawRefs(p, batch));
      nowMs = Math.max(nowMs, got.nowMs);
      return got.answers;
    });
    const result: StartResult = { nowMs, started: [], stale: [], later: [], stalled: [] };
    claims.forEach((claim, i) => {
      const answer = answers[i];
      switch (answer.code) {
        case 'started': {
          const { record, attempt, plannedMs } = answer;
          result.started.push({ ...claim, record, attempt, plannedMs });
          break;
        }
        case 'stale':
          result.stale.push(claim);
          break;
        case 'later':
          result.later.push({ claim, atMs: answer.atMs });
          break;
        case 'stalled':
          result.stalled.push({ claim, lost: answer.lost, record: answer.record });
          break;
      }
    });
    return result;
  }

  /** Extends the leases still held; returns the lost ones, each with the reason. */
  async renewLeases(leaseMs: number, claims: readonly ClaimRef[]): Promise<LostLease[]> {
    if (claims.length === 0) return [];
    const answers = await this.partitions.perItem(claims, itemId, async (p, batch) => {
      const raw = this.rawRefs(p, batch);
      const gone = await this.stores[p].renewLeases(leaseMs, raw);
      // The script answers the lost ones only, in the order given: put each by its claim.
      const lost = new Map(gone.map((l) => [refKey(l), l]));
      return raw.map((ref, i): LostLease | undefined => {
        const l = lost.get(refKey(ref));
        return l && { ...l, token: batch[i].token };
      });
    });
    return answers.filter((l): l is LostLease => l !== undefined);
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
    return this.partitions.perItem(outcomes, itemId, async (p, batch) => {
      const raw = batch.map((o) => ({ ...o, token: this.raw(o.token, p) }));
      const results = await this.stores[p].completeRuns(owner, windowMs, leaseMs, raw);
      return results.map((r) =>
        r.next
          ? { ...r, next: { ...r.next, token: this.partitions.toGlobal(r.next.token, p) } }
          : r,
      );
    });
  }

  /**
   * Puts up to `limit` claims whose lease expired back in the due set at their due time, the
   * limit spread over the partitions; returns how many.
   */
  reclaimExpired(limit: number): Promise<number> {
    return this.spread(limit, (p, share) => this.stores[p].reclaimExpired(share));
  }

  /** Gives claims back to the due set at once (graceful shutdown); returns how many. */
  async releaseClaims(claims: readonly ClaimRef[]): Promise<number> {
    if (claims.length === 0) return 0;
    let released = 0;
    await this.partitions.perItem(claims, itemId, async (p, batch) => {
      // Read `released` only after the await: the partitions' calls run at once.
      const n = await this.stores[p].releaseClaims(this.rawRefs(p, batch));
      released += n;
      return batch;
    });
    return released;
  }

  /**
   * Trims what finished tasks leave behind to its bounds (completed and replaced submissions,
   * failed tasks), oldest first, up to `limit` entries of each, the limit spread over the
   * partitions; returns how many went.
   */
  async pruneFinished(limit: number): Promise<number> {
    let pruned = 0;
    await this.spread(limit, async (p, share) => {
      const n = await this.stores[p].pruneFinished(share);
      pruned += n;
      return n;
    });
    return pruned;
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

  /** Sizes of the main sets, summed over the partitions (one pipeline each). */
  async counts(): Promise<StoreCounts> {
    const [parts, dead] = await Promise.all([
      this.partitions.everyPartition((p) => this.stores[p].counts()),
      this.redis.llen(this.keys.dead),
    ]);
    const sum = (pick: (c: (typeof parts)[number]) => number) =>
      parts.reduce((total, c) => total + pick(c), 0);
    return {
      tasks: sum((c) => c.tasks),
      due: sum((c) => c.due),
      leased: sum((c) => c.leased),
      failed: sum((c) => c.failed),
      done: sum((c) => c.done),
      dead,
    };
  }

  /**
   * Records the number of partitions the prefix's tasks are spread over, or refuses another one
   * (PartitionsMismatchError): with another number, tasks would not be found where they are.
   * Tasks from before partitions (none recorded, tasks on `{prefix}`) count as one partition.
   */
  async checkPartitions(): Promise<void> {
    const k = this.keys;
    const given = this.partitions.count;
    const legacy = given > 1 && (await this.redis.exists(k.tasks, k.completed, k.historyAt)) > 0;
    if (!legacy) await this.redis.set(k.partitions, given, 'NX');
    const inRedis = legacy ? 1 : Number(await this.redis.get(k.partitions));
    if (inRedis !== given) throw new PartitionsMismatchError(k.prefix, inRedis, given);
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

  /**
   * The token the runner knows for `rawToken`, which the cancel script publishes on the control
   * channel (`cancel <id> <rawToken>`) as the task's partition counts it.
   */
  tokenOf(id: string, rawToken: number): number {
    return this.partitions.toGlobal(rawToken, this.partitions.of(id));
  }

  private spread(limit: number, take: (p: number, share: number) => Promise<number>) {
    const start = this.turn;
    this.turn = (this.turn + 1) % this.partitions.count;
    return spreadLimit(positive('limit', limit), this.partitions.count, start, take);
  }

  private raw(globalToken: number, p: number): number {
    return this.partitions.toRaw(positive('token', globalToken), p);
  }

  private rawRefs(p: number, claims: readonly ClaimRef[]): ClaimRef[] {
    return claims.map((c) => ({ id: c.id, token: this.raw(c.token, p) }));
  }
}

function itemId(item: { id: string }): string {
  return item.id;
}

function refKey(ref: ClaimRef): string {
  return `${ref.token}|${ref.id}`;
}
