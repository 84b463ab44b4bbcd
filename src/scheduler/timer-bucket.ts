import { TimerEntry } from './timer-entry';

/**
 * The entries of one wheel slot: a circular doubly-linked list around a sentinel root, so add and
 * remove are O(1) pointer swaps with no special cases for the ends.
 */
export class TimerBucket<T> {
  private readonly root = TimerEntry.sentinel<T>();
  private expirationMs: number | undefined;

  /** Start of the tick this bucket currently stands for; undefined while it is out of the queue. */
  get expiration(): number | undefined {
    return this.expirationMs;
  }

  get isEmpty(): boolean {
    return this.root.next === this.root;
  }

  /** Returns true when the expiration changed, i.e. the bucket must be (re)offered to the queue. */
  setExpiration(ms: number): boolean {
    if (this.expirationMs === ms) return false;
    this.expirationMs = ms;
    return true;
  }

  /** Appends at the tail, so a flush replays insertion order. The entry must not be in a bucket. */
  add(entry: TimerEntry<T>): void {
    const tail = this.root.prev;
    entry.prev = tail;
    entry.next = this.root;
    tail.next = entry;
    this.root.prev = entry;
    entry.bucket = this;
  }

  remove(entry: TimerEntry<T>): boolean {
    if (entry.bucket !== this) return false;
    unlink(entry);
    return true;
  }

  /**
   * Empties the bucket, resets its expiration and hands every entry to fn in insertion order.
   * The entries are first moved onto a private list, so fn may add to this very bucket (that is a
   * new round for it) or cancel entries not yet handed out, without disturbing the iteration.
   */
  flush(fn: (entry: TimerEntry<T>) => void): void {
    this.expirationMs = undefined;
    if (this.isEmpty) return;
    const draining = TimerEntry.sentinel<T>();
    draining.next = this.root.next;
    draining.prev = this.root.prev;
    draining.next.prev = draining;
    draining.prev.next = draining;
    this.root.next = this.root;
    this.root.prev = this.root;
    while (draining.next !== draining) {
      const entry = draining.next;
      unlink(entry);
      fn(entry);
    }
  }
}

function unlink<T>(entry: TimerEntry<T>): void {
  entry.prev.next = entry.next;
  entry.next.prev = entry.prev;
  entry.prev = entry;
  entry.next = entry;
  entry.bucket = null;
}
