/** Length of one measured interval: long enough to count a few runs, short enough to follow a burst. */
const INTERVAL_MS = 250;
/** Weight of the newest interval in the average. */
const WEIGHT = 0.5;
/** Idle intervals beyond these change nothing: the average has decayed to nothing by then. */
const MAX_IDLE_INTERVALS = 32;

/**
 * Runs finished per second, as a moving average over quarter-second intervals: how fast this
 * instance works through what it holds, and so how much it may hold. Pure: time comes from the
 * caller.
 */
export class ThroughputMeter {
  private intervalStart: number;
  private count = 0;
  private average = 0;

  constructor(nowMs: number) {
    this.intervalStart = nowMs;
  }

  /** One run finished at `nowMs`. */
  finished(nowMs: number): void {
    this.close(nowMs);
    this.count++;
  }

  /** Runs per second, as measured up to `nowMs`. */
  perSecond(nowMs: number): number {
    this.close(nowMs);
    return this.average;
  }

  /** Folds every interval that ended by `nowMs` into the average, empty ones as zero. */
  private close(nowMs: number): void {
    const ended = Math.floor((nowMs - this.intervalStart) / INTERVAL_MS);
    if (ended <= 0) return;
    const rate = (this.count * 1000) / INTERVAL_MS;
    this.average = this.average * (1 - WEIGHT) + rate * WEIGHT;
    this.average *= (1 - WEIGHT) ** Math.min(ended - 1, MAX_IDLE_INTERVALS);
    this.count = 0;
    this.intervalStart += ended * INTERVAL_MS;
  }
}
