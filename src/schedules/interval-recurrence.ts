import { firstGridPointAtOrAfter } from '../domain/grid';
import type { PointsIn, Recurrence } from '../domain/schedule-types';

/**
 * The recurrence of an Interval task: the grid `anchorMs + k * intervalMs`, k >= 0 (the anchor is
 * `ToRunAt`). Everything is arithmetic, so counting a long outage's points costs nothing.
 */
export function intervalRecurrence(anchorMs: number, intervalMs: number): Recurrence {
  return new IntervalRecurrence(anchorMs, intervalMs);
}

class IntervalRecurrence implements Recurrence {
  constructor(
    private readonly anchorMs: number,
    private readonly intervalMs: number,
  ) {}

  firstAfter(instantMs: number): number | undefined {
    const point = firstGridPointAtOrAfter(this.anchorMs, this.intervalMs, instantMs);
    return point > instantMs ? point : point + this.intervalMs;
  }

  lastAtOrBefore(instantMs: number): number | undefined {
    if (instantMs < this.anchorMs) return undefined;
    return (
      this.anchorMs + this.intervalMs * Math.floor((instantMs - this.anchorMs) / this.intervalMs)
    );
  }

  pointsIn(afterMs: number, atOrBeforeMs: number, keep: number): PointsIn {
    const first = this.firstAfter(afterMs);
    const last = this.lastAtOrBefore(atOrBeforeMs);
    if (first === undefined || last === undefined || first > last) {
      return { count: 0, countIsExact: true, latest: [] };
    }
    const count = Math.round((last - first) / this.intervalMs) + 1;
    const latest: number[] = [];
    for (let i = Math.min(keep, count) - 1; i >= 0; i--) latest.push(last - i * this.intervalMs);
    return { count, countIsExact: true, latest };
  }
}
