import type {
  AcceptItem,
  CompleteCode,
  CompleteResult,
  LostLease,
  LostReason,
  StartResult,
} from '../../src/store/task-store';
import type { Claim, ClaimRef, RunOutcome } from '../../src/domain/claim';
import type { RunStore } from '../../src/tasks/task-runner.service';
import { jitterOffsetMs } from '../../src/schedules/jitter';

/**
 * How calls reach the fake Redis:
 * - `up`: each call runs at once and answers on the next microtask;
 * - `paused`: calls wait unexecuted (as under `CLIENT PAUSE`), then run and answer on `resume()`;
 * - `lagging`: calls run at once but their replies wait for `resume()` (a slow network): the
 *   store's state has changed while the caller does not know it yet;
 * - `down`: calls fail (connection refused), with nothing changed.
 */
export type Link = 'up' | 'paused' | 'lagging' | 'down';

/**
 * What a call asked for: the runner's calls, and the rest of TaskStore's (InMemoryTaskStore in
 * in-memory-task-store.ts makes those, on this same model).
 */
export type CallArgs =
  | { method: 'startRuns'; leaseMs: number; claims: Claim[] }
  | { method: 'renewLeases'; leaseMs: number; refs: ClaimRef[] }
  | {
      method: 'completeRuns';
      owner: string;
      windowMs: number | null;
      leaseMs: number;
      outcomes: RunOutcome[];
    }
  | {
      method: 'acceptTasks';
      owner: string;
      windowMs: number | null;
      leaseMs: number;
      items: AcceptItem[];
    }
  | { method: 'claimDue'; owner: string; windowMs: number; leaseMs: number; limit: number }
  | { method: 'reclaimExpired'; limit: number }
  | { method: 'releaseClaims'; refs: ClaimRef[] }
  | { method: 'pruneFinished'; limit: number }
  | { method: 'keepDeadLetter'; entry: string; maxCount: number; maxBytes: number }
  | { method: 'counts' }
  | { method: 'redisTime' };

/** One call the runner made, whatever became of it: `at` is when it was sent, `link` how. */
export type StoreCall = CallArgs & { at: number; link: Link };

/** An outcome the store applied, with its answer. `at` is when it was applied. */
export interface Written {
  at: number;
  outcome: RunOutcome;
  code: CompleteCode;
  next?: Claim;
}

/** `token|dueMs|owner[|run]` of lease.lua, plus its expiry from the `leased` set. */
export interface Lease {
  token: number;
  dueMs: number;
  owner: string;
  running: boolean;
  expiresAt: number;
}

export interface TaskTimes {
  dueMs: number;
  /** Present for periodic tasks, as the `period` hash holds them (the runner computes every next). */
  period?: { jitterMs?: number };
}

export interface StoreSettings {
  /** Redis server time; the faked `Date.now` by default, so that one fake clock drives both sides. */
  now: () => number;
  /** Lease length of the claims the test controls make (`claim`, `takeOver`, `reschedule`). */
  leaseMs: number;
  /** `DELAYTASK_MAX_STALLS`: lost runs an occurrence may have and still be started again. */
  maxStalls: number;
}

/** Who claims a periodic task's next occurrence, up to which time (occurrence.lua's arguments). */
interface Claimant {
  owner: string;
  horizon: number;
  leaseMs: number;
}

/** The instance that takes a task over when a spec does not name one. */
export const OTHER_INSTANCE = 'another-instance';

/**
 * The run-side state of the Lua scripts (startRuns-8, renewLeases-4, completeRuns-17 and their
 * includes) in plain maps, for unit specs of the runner: one record and at most one lease per
 * task, a global fencing counter, starts counted per occurrence, superseded runs of replaced
 * content. It models what the runner can observe, not every corner (no digests, no pruning, no
 * byte accounting), and adds controls for what other instances and operators do, and for how
 * Redis answers (`link`).
 */
export class InMemoryRunStore implements Omit<RunStore, 'acceptTasks'> {
  /** Every call, in the order it was made. */
  readonly calls: StoreCall[] = [];
  /** Every outcome completeRuns applied, in order. */
  readonly written: Written[] = [];
  protected readonly settings: StoreSettings;
  protected readonly tasks = new Map<string, string>();
  private readonly periods = new Map<string, { jitterMs?: number }>();
  protected readonly due = new Map<string, number>();
  protected readonly leases = new Map<string, Lease>();
  private readonly attempts = new Map<string, number>();
  private readonly superseded = new Map<string, { token: number; untilMs: number }>();
  private readonly failures = new Map<string, string>();
  protected readonly failedIds = new Set<string>();
  private readonly doneIds = new Set<string>();
  /** The `completed` and `replaced` sets: submission (`submissionKey`) -> when, in ms. */
  protected readonly completed = new Map<string, number>();
  protected readonly replaced = new Map<string, number>();
  private readonly held: (() => void)[] = [];
  private fence = 0;
  private link: Link = 'up';
  private readonly methodLinks = new Map<CallArgs['method'], Link>();

  constructor(settings: Partial<StoreSettings> = {}) {
    this.settings = { now: () => Date.now(), leaseMs: 5000, maxStalls: 1, ...settings };
  }

  // ---- RunStore ----

  startRuns(leaseMs: number, claims: readonly Claim[]): Promise<StartResult> {
    return this.send({ method: 'startRuns', leaseMs, claims: [...claims] }, () =>
      this.start(leaseMs, claims),
    );
  }

  renewLeases(leaseMs: number, refs: readonly ClaimRef[]): Promise<LostLease[]> {
    // TaskStore answers an empty batch without a round trip.
    if (refs.length === 0) return Promise.resolve([]);
    return this.send({ method: 'renewLeases', leaseMs, refs: [...refs] }, () =>
      this.renew(leaseMs, refs),
    );
  }

  completeRuns(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    outcomes: readonly RunOutcome[],
  ): Promise<CompleteResult[]> {
    if (outcomes.length === 0) return Promise.resolve([]);
    const args: CallArgs = {
      method: 'completeRuns',
      owner,
      windowMs,
      leaseMs,
      outcomes: [...outcomes],
    };
    return this.send(args, () => this.complete(owner, windowMs, leaseMs, outcomes));
  }

  // ---- how Redis answers ----

  /** Every call, or only the calls of `method`, go through `link` until `resume()`. */
  setLink(link: Exclude<Link, 'up'>, method?: CallArgs['method']): void {
    if (method) this.methodLinks.set(method, link);
    else this.link = link;
  }

  /** Back to `up`: held calls run (if paused) and answer, in the order they were made. */
  resume(): void {
    this.link = 'up';
    this.methodLinks.clear();
    for (const release of this.held.splice(0)) release();
  }

  // ---- what ingest, other instances and operators do ----

  /** A stored task waiting in the due set (acceptTasks outside the window). */
  addTask(id: string, record: string, times: TaskTimes): void {
    this.tasks.set(id, record);
    if (times.period === undefined) this.periods.delete(id);
    else this.periods.set(id, times.period);
    this.due.set(id, times.dueMs);
  }

  /** claimDue for one task: it leaves the due set with a new token and a lease for `owner`. */
  claim(id: string, owner: string): Claim {
    const dueMs = this.due.get(id);
    if (dueMs === undefined) throw new Error(`fake store: task ${id} is not waiting in due`);
    this.due.delete(id);
    return this.claimAt(id, dueMs, owner, this.settings.leaseMs);
  }

  /** addTask then claim: what acceptTasks does for a task due within the owner's window. */
  addClaimed(id: string, record: string, times: TaskTimes, owner: string): Claim {
    this.addTask(id, record, times);
    return this.claim(id, owner);
  }

  /**
   * The holder's lease lapsed, reclaimExpired put the task back and `owner` claimed it again:
   * a new token at the same due time; the lost start stays counted (startRuns judges maxStalls).
   */
  takeOver(id: string, owner: string = OTHER_INSTANCE): Claim {
    const lease = this.leases.get(id);
    if (!lease) throw new Error(`fake store: task ${id} has no lease to take over`);
    this.leases.delete(id);
    this.due.set(id, lease.dueMs);
    return this.claim(id, owner);
  }

  /**
   * The same ID arrives with new content (acceptTasks `retire` and `write`): a started run of the
   * old content is superseded until its lease expiry; the new content waits in due, or is claimed
   * for `claimFor` as when it is due within that instance's window.
   */
  reschedule(id: string, record: string, times: TaskTimes, claimFor?: string): Claim | undefined {
    this.retire(id, this.settings.now());
    this.addTask(id, record, times);
    return claimFor === undefined ? undefined : this.claim(id, claimFor);
  }

  /** The task is gone (an operator deleted it): record, lease and everything else. */
  remove(id: string): void {
    for (const map of [this.tasks, this.periods, this.due, this.leases, this.attempts]) {
      map.delete(id);
    }
  }

  /**
   * reclaimExpired-4, applied at once: up to `limit` lapsed leases, earliest expiry first, go back
   * to due at their due time; returns how many. (InMemoryTaskStore.asTaskStore() sends it as the
   * engine does, through the link.)
   */
  reclaimExpired(limit = Infinity): number {
    const now = this.settings.now();
    const lapsed = [...this.leases]
      .filter(([, lease]) => lease.expiresAt <= now)
      .map(([id, lease]): [string, number] => [id, lease.expiresAt])
      .sort(byScore)
      .slice(0, limit);
    for (const [id] of lapsed) {
      const lease = this.leases.get(id);
      this.leases.delete(id);
      if (lease && this.tasks.has(id)) this.due.set(id, lease.dueMs);
    }
    return lapsed.length;
  }

  // ---- what specs read ----

  leaseOf(id: string): Readonly<Lease> | undefined {
    return this.leases.get(id);
  }

  dueAt(id: string): number | undefined {
    return this.due.get(id);
  }

  attemptsOf(id: string): number {
    return this.attempts.get(id) ?? 0;
  }

  /** The last failure kept for the task (JSON as completeRuns and startRuns write it). */
  failureOf(id: string): string | undefined {
    return this.failures.get(id);
  }

  isFailed(id: string): boolean {
    return this.failedIds.has(id);
  }

  isDone(id: string): boolean {
    return this.doneIds.has(id);
  }

  callsOf<M extends StoreCall['method']>(method: M): Extract<StoreCall, { method: M }>[] {
    return this.calls.filter((call): call is Extract<StoreCall, { method: M }> => {
      return call.method === method;
    });
  }

  // ---- the scripts ----

  protected send<T>(args: CallArgs, run: () => T): Promise<T> {
    const link = this.methodLinks.get(args.method) ?? this.link;
    this.calls.push({ ...args, at: this.settings.now(), link });
    switch (link) {
      case 'up':
        return Promise.resolve(run());
      case 'down':
        return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379 (fake outage)'));
      case 'paused':
        return new Promise<T>((resolve) => this.held.push(() => resolve(run())));
      case 'lagging': {
        const result = run();
        return new Promise<T>((resolve) => this.held.push(() => resolve(result)));
      }
    }
  }

  private start(leaseMs: number, claims: readonly Claim[]): StartResult {
    const now = this.settings.now();
    const result: StartResult = { nowMs: now, started: [], stale: [], later: [], stalled: [] };
    for (const claim of claims) this.startOne(claim, leaseMs, now, result);
    return result;
  }

  private startOne(claim: Claim, leaseMs: number, now: number, result: StartResult): void {
    const { id } = claim;
    const lease = this.leases.get(id);
    const record = this.tasks.get(id);
    if (!lease || lease.token !== claim.token || record === undefined) {
      result.stale.push(claim);
      return;
    }
    const startAt = this.startAt(id, lease.dueMs);
    if (startAt > now) {
      result.later.push({ claim, atMs: startAt });
      return;
    }
    const busyUntil = this.supersededUntil(id, now);
    if (busyUntil > now) {
      result.later.push({ claim, atMs: busyUntil });
      return;
    }
    const lost = this.attemptsOf(id);
    if (lost > this.settings.maxStalls) {
      result.stalled.push({ claim, lost, record });
      return;
    }
    lease.running = true;
    lease.expiresAt = now + leaseMs;
    this.attempts.set(id, lost + 1);
    result.started.push({ ...claim, record, attempt: lost + 1, plannedMs: startAt });
  }

  /** startRuns' startAt: the due time, spread by the task's Jitter on a first attempt. */
  private startAt(id: string, dueMs: number): number {
    const jitterMs = this.periods.get(id)?.jitterMs ?? 0;
    if (jitterMs <= 0 || this.attempts.has(id)) return dueMs;
    return dueMs + jitterOffsetMs(id, dueMs, jitterMs);
  }

  private renew(leaseMs: number, refs: readonly ClaimRef[]): LostLease[] {
    const now = this.settings.now();
    const lost: LostLease[] = [];
    for (const { id, token } of refs) {
      const lease = this.leases.get(id);
      if (lease?.token === token) lease.expiresAt = now + leaseMs;
      else lost.push({ id, token, reason: this.lostReason(id, token) });
    }
    return lost;
  }

  private lostReason(id: string, token: number): LostReason {
    if (this.superseded.get(id)?.token === token) return 'rescheduled';
    if (!this.tasks.has(id)) return 'removed';
    return 'takenOver';
  }

  private complete(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    outcomes: readonly RunOutcome[],
  ): CompleteResult[] {
    const now = this.settings.now();
    // windowMs null claims no next occurrence, like the script's horizon of -math.huge.
    const horizon = windowMs === null ? -Infinity : now + windowMs;
    return outcomes.map((outcome) => {
      const result = this.completeOne(outcome, owner, horizon, leaseMs, now);
      this.written.push({ at: now, outcome, ...result });
      return result;
    });
  }

  private completeOne(
    outcome: RunOutcome,
    owner: string,
    horizon: number,
    leaseMs: number,
    now: number,
  ): CompleteResult {
    const { id, token } = outcome;
    const lease = this.leases.get(id);
    if (lease?.token !== token) {
      // The stopped run of replaced content lets the new content start.
      if (this.superseded.get(id)?.token === token) this.superseded.delete(id);
      return { code: 'stale' };
    }
    this.leases.delete(id);
    if (outcome.outcome === 'abandoned' || outcome.outcome === 'unstarted') {
      if (outcome.outcome === 'unstarted') {
        const left = this.attemptsOf(id) - 1;
        if (left > 0) this.attempts.set(id, left);
        else this.attempts.delete(id);
      }
      this.due.set(id, lease.dueMs);
      return { code: 'released' };
    }
    this.attempts.delete(id);
    const claimant = { owner, horizon, leaseMs };
    if (outcome.outcome === 'ok' || outcome.outcome === 'missed') {
      return this.endOccurrence(id, outcome.outcome, '', outcome.schedule?.nextMs, claimant);
    }
    const { error, attempt } = outcome;
    const failure = JSON.stringify({ outcome: outcome.outcome, error, at: now, attempt });
    return this.endOccurrence(id, 'failed', failure, outcome.schedule?.nextMs, claimant);
  }

  /** occurrence.lua: a periodic task moves to the next occurrence the runner computed. */
  private endOccurrence(
    id: string,
    ended: 'ok' | 'missed' | 'failed',
    failure: string,
    nextMs: number | undefined,
    claimant: Claimant,
  ): CompleteResult {
    const now = this.settings.now();
    if (!this.tasks.has(id)) return { code: 'done' };
    const periodic = this.periods.has(id);
    if (periodic && nextMs !== undefined) {
      if (ended === 'ok') this.failures.delete(id);
      else if (ended === 'failed') this.failures.set(id, failure);
      if (nextMs <= claimant.horizon) {
        return { code: 'next', next: this.claimAt(id, nextMs, claimant.owner, claimant.leaseMs) };
      }
      this.due.set(id, nextMs);
      return { code: 'next' };
    }
    if (ended !== 'failed' || periodic) {
      this.finish(id, now);
      return { code: 'done' };
    }
    this.failedIds.add(id);
    this.failures.set(id, failure);
    return { code: 'failed' };
  }

  /** The submission is remembered as completed (the `completed` set of its digest). */
  private finish(id: string, now: number): void {
    const record = this.tasks.get(id);
    if (record !== undefined) this.completed.set(submissionKey(id, record), now);
    this.tasks.delete(id);
    this.periods.delete(id);
    this.failures.delete(id);
    this.doneIds.add(id);
  }

  /**
   * acceptTasks' `retire`: the live content leaves, remembered as replaced; a started run of it is
   * superseded until its lease expiry; its claim, attempts and failure go.
   */
  protected retire(id: string, now: number): void {
    const live = this.tasks.get(id);
    if (live !== undefined) this.replaced.set(submissionKey(id, live), now);
    const lease = this.leases.get(id);
    if (lease?.running) this.superseded.set(id, { token: lease.token, untilMs: lease.expiresAt });
    this.leases.delete(id);
    this.due.delete(id);
    this.attempts.delete(id);
    this.failures.delete(id);
    this.failedIds.delete(id);
  }

  /** claim.lua: a new fencing token, a lease that lasts leaseMs past max(dueMs, now). */
  protected claimAt(id: string, dueMs: number, owner: string, leaseMs: number): Claim {
    const token = ++this.fence;
    const expiresAt = Math.max(dueMs, this.settings.now()) + leaseMs;
    this.leases.set(id, { token, dueMs, owner, running: false, expiresAt });
    return { id, dueMs, token };
  }

  /** Until when a superseded run of replaced content may still run (a lapsed one is forgotten). */
  private supersededUntil(id: string, now: number): number {
    const untilMs = this.superseded.get(id)?.untilMs ?? -Infinity;
    if (untilMs <= now) this.superseded.delete(id);
    return untilMs;
  }
}

/** What digest.lua names: one submission, an ID with one content (a string key, not a hash). */
export function submissionKey(id: string, record: string): string {
  return `${id}\n${contentOf(record)}`;
}

const PAYLOAD_CHECKED_MARK = ',"payloadChecked":true}';

/** digest.lua's contentOf: a record without ingest's trailing mark, the same for both doors. */
export function contentOf(record: string): string {
  return record.endsWith(PAYLOAD_CHECKED_MARK)
    ? `${record.slice(0, -PAYLOAD_CHECKED_MARK.length)}}`
    : record;
}

/** A sorted set's order: by score, then by member (Redis compares members bytewise). */
export function byScore([a, aScore]: [string, number], [b, bScore]: [string, number]): number {
  return aScore - bScore || (a < b ? -1 : a > b ? 1 : 0);
}
