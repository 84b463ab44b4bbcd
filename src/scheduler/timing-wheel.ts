import { BucketQueue } from './bucket-queue';
import { MinHeap } from './min-heap';
import { compareFiring, TimerEntry, TimerHandle } from './timer-entry';
import { WheelLevel } from './wheel-level';

export type { TimerHandle } from './timer-entry';

export interface TimingWheelOptions {
  tickMs: number;
  wheelSize: number;
  startMs: number;
}

/**
 * Hierarchical timing wheel, after Kafka's TimingWheel / SystemTimer. It stores and returns
 * values; it runs nothing, owns no timer and does no I/O. A driver sleeps until nextExpiration(),
 * then calls advance(now) and runs what comes back.
 *
 * A level is a ring of `wheelSize` buckets, each one tick wide, spanning `interval = tickMs *
 * wheelSize`. An entry due within the interval goes straight into the bucket of its tick, O(1). An
 * entry due further out goes to an overflow level whose tick is the lower level's whole interval,
 * and so on up; levels are created on first use, so an entry ten years out costs a few levels of
 * buckets, not ten years of them. A bucket is a sentinel-rooted doubly-linked list, so cancelling
 * is an O(1) unlink.
 *
 * Nothing ticks through empty slots. When a bucket receives its first entry for a tick it is given
 * that tick's start as its expiration and pushed onto a min-heap of expirations (the bucket queue).
 * advance(now) pops only buckets that have expired, moves the wheel's clock to each in turn, and
 * re-adds their entries: those due are returned, the others fall into a finer level (the cascade).
 *
 * Worked example, tickMs = 1, wheelSize = 4, starting at 0. The current tick, [0, 1), has no
 * bucket, so level 0 takes [1, 4), level 1 (tick 4) takes [4, 16) and level 2 (tick 16) takes
 * [16, 64).
 *   add(3):  level 0, bucket of ms 3, expiration 3.
 *   add(9):  past level 0; level 1 bucket [8, 12), expiration 8.
 *   add(40): past level 1; level 2 bucket [32, 48), expiration 32.
 *   The queue holds 3, 8, 32, so nextExpiration() is 3.
 *   advance(3):  bucket 3 expires; 3 is due and is returned. Next expiration: 8.
 *   advance(8):  bucket [8, 12) expires; the clock moves to 8, where level 0 takes [9, 12), so 9
 *                is re-added into the bucket of ms 9. Nothing is returned. Next: 9.
 *   advance(9):  9 is returned. Next: 32.
 *   advance(32): bucket [32, 48) expires; 40 drops into level 1's bucket [40, 44). Next: 40.
 *   advance(40): 40 is returned.
 * Five wake-ups for three entries across 40 ms; one advance(100) instead would do the same work in
 * one call and return all three in due order.
 *
 * Unlike Kafka, entries are never returned early. With tickMs = 10 an entry due at 25 sits in the
 * bucket [20, 30), which expires at 20; Kafka would run it then. Here advance(20) finds it inside
 * the current tick and parks it in a small heap ordered by dueMs; nextExpiration() then reports 25
 * and advance(25) returns it. With tickMs = 1 and integer times that heap is never used.
 */
export class TimingWheel<T> {
  private readonly queue = new BucketQueue<T>();
  private readonly root: WheelLevel<T>;
  /** Entries whose tick has begun but whose dueMs has not; cancelled ones are dropped lazily. */
  private readonly withinTick = new MinHeap<TimerEntry<T>>(compareFiring);
  /** Exact time of the last advance; the levels' clocks are this rounded down to their ticks. */
  private nowMs: number;
  private nextSeq = 0;
  private pending = 0;

  constructor(options: TimingWheelOptions) {
    const { tickMs, wheelSize, startMs } = options;
    if (!Number.isSafeInteger(tickMs) || tickMs < 1) {
      throw new RangeError(`tickMs must be an integer >= 1, got ${tickMs}`);
    }
    if (!Number.isSafeInteger(wheelSize) || wheelSize < 2) {
      throw new RangeError(`wheelSize must be an integer >= 2, got ${wheelSize}`);
    }
    assertTime('startMs', startMs);
    this.nowMs = startMs;
    this.root = new WheelLevel<T>(tickMs, wheelSize, startMs, this.queue);
  }

  /** Number of pending (not fired, not cancelled) entries. */
  get size(): number {
    return this.pending;
  }

  /**
   * Schedules value at dueMs. Returns null (and stores nothing) when dueMs <= the wheel's current
   * time: the caller runs it now.
   */
  add(dueMs: number, value: T): TimerHandle | null {
    assertTime('dueMs', dueMs);
    if (dueMs <= this.nowMs) return null;
    const entry = new TimerEntry(dueMs, value, this.nextSeq++, this);
    this.insert(entry);
    this.pending++;
    return entry;
  }

  /** O(1). Returns false if the handle already fired or was cancelled. */
  cancel(handle: TimerHandle): boolean {
    if (!this.owns(handle) || handle.state !== 'pending') return false;
    handle.state = 'cancelled';
    handle.bucket?.remove(handle);
    this.pending--;
    return true;
  }

  /**
   * Moves the wheel to nowMs (never backwards: a smaller nowMs is ignored) and returns every value
   * with dueMs <= nowMs, ordered by dueMs (ties: insertion order). Never returns a value early.
   */
  advance(nowMs: number): T[] {
    assertTime('nowMs', nowMs);
    if (nowMs <= this.nowMs) return [];
    this.nowMs = nowMs;
    const fired: TimerEntry<T>[] = [];

    for (let top = this.peekWithinTick(); top !== undefined; top = this.peekWithinTick()) {
      if (top.dueMs > nowMs) break;
      this.withinTick.pop();
      this.fire(top, fired);
    }

    // Bucket by bucket, as Kafka does: the clock goes to each expiration before its entries are
    // re-added, so an entry not yet due lands in the bucket of its own tick one level down (which
    // this loop pops in turn if that too has expired), never in a slot from a past round.
    const reinsert = (entry: TimerEntry<T>): void => {
      if (entry.dueMs <= nowMs) this.fire(entry, fired);
      else this.insert(entry);
    };
    for (let at = this.queue.nextExpiration(); at !== undefined && at <= nowMs; ) {
      this.root.advanceClock(at);
      this.queue.poll()?.flush(reinsert);
      at = this.queue.nextExpiration();
    }
    this.root.advanceClock(nowMs);

    return inFiringOrder(fired);
  }

  /**
   * Earliest time at which advance() may return something, or undefined when empty. Never later
   * than the earliest pending dueMs; the driver sets one timer for it.
   */
  nextExpiration(): number | undefined {
    // A parked entry is due within the current tick, so before any bucket's expiration.
    return this.peekWithinTick()?.dueMs ?? this.queue.nextExpiration();
  }

  private insert(entry: TimerEntry<T>): void {
    if (!this.root.add(entry)) this.withinTick.push(entry);
  }

  private fire(entry: TimerEntry<T>, fired: TimerEntry<T>[]): void {
    entry.state = 'fired';
    this.pending--;
    fired.push(entry);
  }

  private peekWithinTick(): TimerEntry<T> | undefined {
    let top = this.withinTick.peek();
    while (top !== undefined && top.state !== 'pending') {
      this.withinTick.pop();
      top = this.withinTick.peek();
    }
    return top;
  }

  private owns(handle: TimerHandle): handle is TimerEntry<T> {
    return handle instanceof TimerEntry && handle.owner === this;
  }
}

/** Entries arrive bucket by bucket, usually already in order; sorting is only paid for when not. */
function inFiringOrder<T>(fired: TimerEntry<T>[]): T[] {
  for (let i = 1; i < fired.length; i++) {
    if (compareFiring(fired[i - 1], fired[i]) > 0) {
      fired.sort(compareFiring);
      break;
    }
  }
  const values = new Array<T>(fired.length);
  for (let i = 0; i < fired.length; i++) values[i] = fired[i].value;
  return values;
}

/** Beyond 2^53 ms integer arithmetic on times stops being exact, and the wheel relies on it. */
function assertTime(name: string, ms: number): void {
  if (!Number.isFinite(ms) || Math.abs(ms) > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${name} must be a finite number of ms within ±2^53, got ${ms}`);
  }
}
