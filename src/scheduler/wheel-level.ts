import { BucketQueue } from './bucket-queue';
import { TimerBucket } from './timer-bucket';
import { TimerEntry } from './timer-entry';

/**
 * One level of the hierarchical wheel: `wheelSize` buckets of `tickMs` each. Entries beyond this
 * level's interval go to an overflow level whose tick is this level's whole interval; it is created
 * on first use, so memory grows with the logarithm of the farthest due time, not with the time.
 */
export class WheelLevel<T> {
  readonly interval: number;
  private readonly buckets: TimerBucket<T>[];
  /** Start of the current tick; always a multiple of tickMs. */
  private currentTime: number;
  private overflow: WheelLevel<T> | undefined;

  constructor(
    readonly tickMs: number,
    readonly wheelSize: number,
    startMs: number,
    private readonly queue: BucketQueue<T>,
  ) {
    this.interval = tickMs * wheelSize;
    this.currentTime = Math.floor(startMs / tickMs) * tickMs;
    this.buckets = Array.from({ length: wheelSize }, () => new TimerBucket<T>());
  }

  /**
   * Files the entry in this level or a coarser one. Returns false when it is due within the current
   * tick, which no bucket can hold: the current tick's slot is the one being (or just) flushed, and
   * reusing it would mix two rounds of the wheel in one bucket.
   */
  add(entry: TimerEntry<T>): boolean {
    const dueMs = entry.dueMs;
    if (dueMs < this.currentTime + this.tickMs) return false;
    if (dueMs < this.currentTime + this.interval) {
      const virtualId = Math.floor(dueMs / this.tickMs);
      const slot = virtualId % this.wheelSize;
      const bucket = this.buckets[slot < 0 ? slot + this.wheelSize : slot];
      bucket.add(entry);
      // Offered once per round: later entries for the same tick find it already queued.
      if (bucket.setExpiration(virtualId * this.tickMs)) this.queue.offer(bucket);
      return true;
    }
    this.overflow ??= new WheelLevel(this.interval, this.wheelSize, this.currentTime, this.queue);
    // Cannot be refused: the overflow's current tick ends no later than this level's interval.
    return this.overflow.add(entry);
  }

  /** Only forwards: callers must first flush every bucket that expires at or before timeMs. */
  advanceClock(timeMs: number): void {
    if (timeMs < this.currentTime + this.tickMs) return;
    this.currentTime = Math.floor(timeMs / this.tickMs) * this.tickMs;
    this.overflow?.advanceClock(this.currentTime);
  }
}
