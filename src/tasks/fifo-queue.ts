/** First-in first-out queue with O(1) push and shift (Array#shift is O(n) on large arrays). */
export class FifoQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(...values: T[]): void {
    for (const value of values) this.items.push(value);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const value = this.items[this.head];
    this.items[this.head++] = undefined;
    this.compact();
    return value;
  }

  /** Removes and returns up to `count` items from the front. */
  take(count: number): T[] {
    const end = Math.min(this.items.length, this.head + count);
    const taken = this.items.slice(this.head, end) as T[];
    this.items.fill(undefined, this.head, end);
    this.head = end;
    this.compact();
    return taken;
  }

  /** Puts items back at the front, in their order (after a failed hand-off). */
  unshiftAll(values: T[]): void {
    this.items = [...values, ...this.items.slice(this.head)];
    this.head = 0;
  }

  /** A copy of the queued items, front first, leaving them queued. */
  values(): T[] {
    return this.items.slice(this.head) as T[];
  }

  /** Removes every item that matches; returns how many. */
  remove(matches: (value: T) => boolean): number {
    const kept = this.values().filter((value) => !matches(value));
    const removed = this.length - kept.length;
    this.items = kept;
    this.head = 0;
    return removed;
  }

  drain(): T[] {
    return this.take(this.length);
  }

  /** Drops the consumed front once it is most of the array, so memory follows the length. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
