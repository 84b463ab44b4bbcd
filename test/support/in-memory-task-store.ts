import { defaultOptions } from '../../src/config/default-options';
import type { DeadLetter } from '../../src/ingest/dead-letter';
import type { Claim, ClaimRef } from '../../src/domain/claim';
import { TaskKeys } from '../../src/store/keys';
import type {
  AcceptItem,
  AcceptResult,
  AcceptStatus,
  StoreCounts,
  StoreLimits,
  TaskStore,
} from '../../src/store/task-store';
import {
  InMemoryRunStore,
  byScore,
  contentOf,
  submissionKey,
  type StoreSettings,
} from './in-memory-run-store';

/** The bounds the claim and housekeeping scripts read (TaskStore takes them from the options). */
export type TaskStoreSettings = StoreSettings &
  Pick<StoreLimits, 'completedRetentionMs' | 'completedMax' | 'replayWindowMs'>;

/**
 * The rest of TaskStore on InMemoryRunStore's model, for unit specs of the engine's other
 * services: acceptTasks, claimDue, releaseClaims, pruneFinished, keepDeadLetter, the
 * counts pipeline and TIME, each through the same `link` as the runner's calls. It models what
 * those services can observe: submissions are remembered by their text (not a digest), and
 * pruning trims the completed and replaced sets but keeps failed tasks (no byte accounting).
 *
 * The engine's services take a `TaskStore`: give them `asTaskStore()`.
 */
export class InMemoryTaskStore extends InMemoryRunStore {
  private readonly limits: Omit<TaskStoreSettings, keyof StoreSettings>;
  /** The dead-letter list, newest first, and the bytes it holds. */
  private readonly dead: string[] = [];
  private deadBytes = 0;

  constructor(settings: Partial<TaskStoreSettings> = {}) {
    super(settings);
    const defaults = defaultOptions();
    this.limits = {
      completedRetentionMs: settings.completedRetentionMs ?? defaults.completedRetentionMs,
      completedMax: settings.completedMax ?? defaults.completedMax,
      replayWindowMs: settings.replayWindowMs ?? defaults.replayWindowMs,
    };
  }

  /**
   * This store as the services declare it. TaskStore is a class with private members, so no fake
   * can be one structurally: the view has every public member, and is asserted to be one.
   */
  /** The task names the engine registered. */
  readonly taskTypeNames = new Set<string>();

  asTaskStore(): TaskStore {
    const view: Pick<TaskStore, keyof TaskStore> = {
      keys: new TaskKeys(defaultOptions().prefix),
      acceptTasks: (...args) => this.acceptTasks(...args),
      claimDue: (...args) => this.claimDue(...args),
      startRuns: (...args) => this.startRuns(...args),
      renewLeases: (...args) => this.renewLeases(...args),
      completeRuns: (...args) => this.completeRuns(...args),
      // The parent's reclaimExpired applies at once (a control for specs); the engine's goes
      // through the link like any other call.
      reclaimExpired: (limit) =>
        this.send({ method: 'reclaimExpired', limit }, () => this.reclaimExpired(limit)),
      releaseClaims: (...args) => this.releaseClaims(...args),
      pruneFinished: (...args) => this.pruneFinished(...args),
      keepDeadLetter: (...args) => this.keepDeadLetter(...args),
      counts: () => this.counts(),
      redisTime: () => this.redisTime(),
      // One partition: a token is what the cancel script publishes.
      tokenOf: (_id, rawToken) => rawToken,
      checkPartitions: () => Promise.resolve(),
      registerTaskTypes: (names) => {
        names.forEach((name) => this.taskTypeNames.add(name));
        return Promise.resolve();
      },
      taskTypes: () => Promise.resolve([...this.taskTypeNames]),
    };
    return view as TaskStore;
  }

  // ---- TaskStore ----

  acceptTasks(
    owner: string,
    windowMs: number | null,
    leaseMs: number,
    items: readonly AcceptItem[],
  ): Promise<{ nowMs: number; results: AcceptResult[] }> {
    return this.send({ method: 'acceptTasks', owner, windowMs, leaseMs, items: [...items] }, () => {
      const now = this.settings.now();
      // windowMs null claims none, like the script's horizon of -math.huge.
      const horizon = windowMs === null ? -Infinity : now + windowMs;
      const results = items.map((item) => this.acceptOne(item, owner, horizon, leaseMs, now));
      return { nowMs: now, results };
    });
  }

  claimDue(
    owner: string,
    windowMs: number,
    leaseMs: number,
    limit: number,
  ): Promise<{ nowMs: number; claims: Claim[] }> {
    return this.send({ method: 'claimDue', owner, windowMs, leaseMs, limit }, () => {
      const now = this.settings.now();
      const rows = [...this.due]
        .filter(([, dueMs]) => dueMs <= now + windowMs)
        .sort(byScore)
        .slice(0, limit);
      const claims = rows.map(([id, dueMs]) => {
        this.due.delete(id);
        return this.claimAt(id, dueMs, owner, leaseMs);
      });
      return { nowMs: now, claims };
    });
  }

  releaseClaims(refs: readonly ClaimRef[]): Promise<number> {
    // TaskStore answers an empty batch without a round trip.
    if (refs.length === 0) return Promise.resolve(0);
    return this.send({ method: 'releaseClaims', refs: [...refs] }, () => {
      let released = 0;
      for (const { id, token } of refs) {
        const lease = this.leases.get(id);
        if (lease?.token !== token) continue;
        this.due.set(id, lease.dueMs);
        this.leases.delete(id);
        released++;
      }
      return released;
    });
  }

  pruneFinished(limit: number): Promise<number> {
    return this.send({ method: 'pruneFinished', limit }, () => {
      const now = this.settings.now();
      const { completedRetentionMs, completedMax, replayWindowMs } = this.limits;
      return (
        trim(this.completed, now - completedRetentionMs, completedMax, limit) +
        trim(this.replaced, now - replayWindowMs, Infinity, limit)
      );
    });
  }

  keepDeadLetter(entry: string, maxCount: number, maxBytes: number): Promise<number> {
    return this.send({ method: 'keepDeadLetter', entry, maxCount, maxBytes }, () => {
      this.dead.unshift(entry);
      this.deadBytes += Buffer.byteLength(entry);
      let dropped = 0;
      while (this.dead.length > 1 && (this.dead.length > maxCount || this.deadBytes > maxBytes)) {
        this.deadBytes -= Buffer.byteLength(this.dead.pop() ?? '');
        dropped++;
      }
      return dropped;
    });
  }

  counts(): Promise<StoreCounts> {
    return this.send({ method: 'counts' }, () => ({
      tasks: this.tasks.size,
      due: this.due.size,
      leased: this.leases.size,
      failed: this.failedIds.size,
      done: this.completed.size,
      dead: this.dead.length,
    }));
  }

  redisTime(): Promise<number> {
    return this.send({ method: 'redisTime' }, () => this.settings.now());
  }

  // ---- what specs set up and read ----

  /** A submission that completed at `atMs` (what completeRuns leaves in the completed set). */
  rememberCompleted(id: string, record: string, atMs: number): void {
    this.completed.set(submissionKey(id, record), atMs);
  }

  /** The stored record of a task, if it has one. */
  recordOf(id: string): string | undefined {
    return this.tasks.get(id);
  }

  /** The IDs waiting in the due set, earliest first. */
  dueIds(): string[] {
    return [...this.due].sort(byScore).map(([id]) => id);
  }

  /** The dead-letter list, newest first. */
  deadLetters(): DeadLetter[] {
    return this.dead.map((entry) => JSON.parse(entry) as DeadLetter);
  }

  // ---- the scripts ----

  /** acceptTasks' loop body: one submission applied once. */
  private acceptOne(
    item: AcceptItem,
    owner: string,
    horizon: number,
    leaseMs: number,
    now: number,
  ): AcceptResult {
    const { id, record, dueMs, period } = item;
    const live = this.tasks.get(id);
    // Marked by ingest or not, one content (acceptTasks-15.lua): the live record is kept.
    if (live !== undefined && contentOf(live) === contentOf(record)) return { status: 'duplicate' };
    const key = submissionKey(id, record);
    if (rememberedSince(this.replaced, key, now - this.limits.replayWindowMs)) {
      return { status: 'replayed' };
    }
    if (rememberedSince(this.completed, key, now - this.limits.completedRetentionMs)) {
      return { status: 'completed' };
    }
    const status: AcceptStatus = live === undefined ? 'stored' : 'rescheduled';
    if (live !== undefined) this.retire(id, now);
    this.addTask(id, record, { dueMs, period });
    if (dueMs > horizon) return { status };
    this.due.delete(id);
    return { status, token: this.claimAt(id, dueMs, owner, leaseMs).token };
  }
}

function rememberedSince(set: ReadonlyMap<string, number>, key: string, since: number): boolean {
  const at = set.get(key);
  return at !== undefined && at >= since;
}

/** pruneFinished's `trim`: the oldest entries, those older than cutoff or past max, up to limit. */
function trim(set: Map<string, number>, cutoff: number, max: number, limit: number): number {
  const entries = [...set].sort(byScore);
  const old = entries.filter(([, at]) => at < cutoff).length;
  const n = Math.min(Math.max(old, set.size - max), limit);
  for (const [key] of entries.slice(0, n)) set.delete(key);
  return n;
}
