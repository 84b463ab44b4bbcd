import { MinHeap } from './min-heap';
import { TimerBucket } from './timer-bucket';

/**
 * Buckets ordered by expiration: the only buckets anyone ever looks at are the ones this queue
 * yields, so slots with nothing in them cost no work at all.
 *
 * A bucket is offered once per expiration (when it gets its first entry for that tick) and stays
 * until it is polled. Cancellation can empty a queued bucket; rather than making cancel pay for a
 * heap removal, empty buckets are dropped here when they reach the top.
 */
export class BucketQueue<T> {
  private readonly heap = new MinHeap<TimerBucket<T>>(
    (a, b) => (a.expiration ?? Infinity) - (b.expiration ?? Infinity),
  );

  get size(): number {
    return this.heap.size;
  }

  offer(bucket: TimerBucket<T>): void {
    this.heap.push(bucket);
  }

  /** Earliest expiration of a non-empty bucket, or undefined when there is none. */
  nextExpiration(): number | undefined {
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (!top.isEmpty) return top.expiration;
      this.heap.pop();
      // Resets its expiration, so that its next entry offers it again.
      top.flush(ignore);
    }
    return undefined;
  }

  /** Removes the earliest bucket; call after nextExpiration(), which skips the empty ones. */
  poll(): TimerBucket<T> | undefined {
    return this.heap.pop();
  }
}

function ignore(): void {}
