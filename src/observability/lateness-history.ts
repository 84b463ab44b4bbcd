import type { EngineObserver, ObservedRun } from '../events/engine-events';
import { LATENESS_BUCKETS_MS, latenessBucket } from './lateness-buckets';

const SECOND_MS = 1000;
/** Seconds kept: the status page's chart shows the last five minutes. */
const SECONDS_KEPT = 300;
const BUCKETS = LATENESS_BUCKETS_MS.length + 1;

/** One second of run starts on this instance: how many, and how late (ms). */
export interface LatenessPoint {
  /** The second's start, unix ms. */
  at: number;
  count: number;
  /** Upper bounds of the buckets that hold the median and the 99th percentile, at most `max`. */
  p50: number;
  p99: number;
  max: number;
}

/**
 * How late runs started on this instance, second by second, for the last five minutes: a ring of
 * fixed arrays, so that a run costs a few array updates and memory never grows.
 */
export class LatenessHistory implements EngineObserver {
  private readonly second = new Float64Array(SECONDS_KEPT).fill(-1);
  private readonly count = new Uint32Array(SECONDS_KEPT);
  private readonly max = new Float64Array(SECONDS_KEPT);
  private readonly buckets = new Uint32Array(SECONDS_KEPT * BUCKETS);

  constructor(private readonly now: () => number = Date.now) {}

  runStarted(_run: ObservedRun, lateMs: number): void {
    const second = Math.floor(this.now() / SECOND_MS);
    const slot = second % SECONDS_KEPT;
    if (this.second[slot] !== second) {
      this.second[slot] = second;
      this.count[slot] = 0;
      this.max[slot] = 0;
      this.buckets.fill(0, slot * BUCKETS, (slot + 1) * BUCKETS);
    }
    this.count[slot]++;
    if (lateMs > this.max[slot]) this.max[slot] = lateMs;
    this.buckets[slot * BUCKETS + latenessBucket(lateMs)]++;
  }

  /** The seconds of the last five minutes in which runs started, oldest first. */
  points(): LatenessPoint[] {
    const now = Math.floor(this.now() / SECOND_MS);
    const points: LatenessPoint[] = [];
    for (let second = now - SECONDS_KEPT + 1; second <= now; second++) {
      const slot = second % SECONDS_KEPT;
      if (this.second[slot] !== second || this.count[slot] === 0) continue;
      points.push({
        at: second * SECOND_MS,
        count: this.count[slot],
        p50: this.quantile(slot, 0.5),
        p99: this.quantile(slot, 0.99),
        max: this.max[slot],
      });
    }
    return points;
  }

  private quantile(slot: number, q: number): number {
    const rank = Math.ceil(q * this.count[slot]);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.buckets[slot * BUCKETS + i];
      if (seen >= rank) return Math.min(LATENESS_BUCKETS_MS[i] ?? Infinity, this.max[slot]);
    }
    return this.max[slot];
  }
}
