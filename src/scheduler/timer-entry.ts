import type { TimerBucket } from './timer-bucket';

/** What callers get back from add(): enough to cancel, nothing to tamper with. */
export interface TimerHandle {
  readonly dueMs: number;
}

export type EntryState = 'pending' | 'fired' | 'cancelled';

/**
 * One scheduled value, and also its own list node: an entry knows its bucket and neighbours, so
 * cancelling it is an O(1) unlink with no search and no per-entry allocation besides this object.
 */
export class TimerEntry<T> implements TimerHandle {
  /** An unlinked entry points at itself, which keeps the list code free of null checks. */
  prev: TimerEntry<T> = this;
  next: TimerEntry<T> = this;
  bucket: TimerBucket<T> | null = null;
  state: EntryState = 'pending';

  constructor(
    readonly dueMs: number,
    readonly value: T,
    /** Insertion order, to break ties between equal dueMs. */
    readonly seq: number,
    /** The issuing wheel: a handle cannot be cancelled through another wheel. */
    readonly owner: unknown,
  ) {}

  /** The root of a bucket's circular list. Its value is never read. */
  static sentinel<T>(): TimerEntry<T> {
    return new TimerEntry<T>(Number.NaN, undefined as unknown as T, -1, null);
  }
}

/** Firing order: by dueMs, then by insertion. */
export function compareFiring<T>(a: TimerEntry<T>, b: TimerEntry<T>): number {
  return a.dueMs - b.dueMs || a.seq - b.seq;
}
