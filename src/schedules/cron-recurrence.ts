import type { DstRepeated, DstSkipped, PointsIn, Recurrence } from '../domain/schedule-types';
import { CronWalls } from './cron-walls';
import { OffsetTransition, ZoneOffsets, zoneOffsetsOf } from './zone-offsets';

/**
 * A cron schedule read in a time zone, as instants. cron-parser only enumerates wall-clock times
 * (`cron-walls.ts`); the zone's offsets (`zone-offsets.ts`) turn each wall time W into 0, 1 or 2
 * instants, so the DST rules are ours, not the library's:
 *   - 1 instant: a normal time.
 *   - 2 instants (the hour repeated when clocks go back): `dstRepeated` keeps the first pass, the
 *     last, or both.
 *   - 0 instants (the hour skipped when clocks go forward): `dstSkipped: 'shift'` reads W with the
 *     offset in force before the change, which lands as far past the gap as W was into it (Berlin,
 *     2026-03-29 02:30 → 03:30 CEST = 01:30Z); 'skip' drops it.
 * The points form a set: a shifted time that coincides with a real one (every 15 minutes: 02:15
 * shifted onto 03:15) occurs once.
 *
 * The instant line is cut into segments of one offset at the zone's transitions. Within a segment
 * with offset o the real points are the matching walls W in [start + o, end + o), at W − o; after a
 * gap the segment also holds the shifted points; around a repeat the pass not wanted is cut off
 * the segment's start ('first') or the preceding segment's end ('last'). A query looks 3 days
 * around its instant for transitions; far from any, it jumps straight to the next matching wall.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far a search goes before it answers undefined: beyond the 8 years between two Feb 29ths. */
const HORIZON_YEARS = 10;
const HORIZON_MS = Math.round(HORIZON_YEARS * 365.25 * DAY);
/** How far around an instant transitions are looked for: more than the widest offset change. */
const LOOK_AROUND_MS = 3 * DAY;
/** More than the widest gap between offsets (−12 h to +14 h): how far an instant sits from its wall. */
const OFFSET_MARGIN_MS = 27 * HOUR;
/** Counting stops here: a year-long outage under a one-second cron is "at least 100,000". */
const COUNT_LIMIT = 100_000;
/** The never-fires check starts here (wall time; any year works, 2000 is a leap year). */
const NEVER_FIRES_CHECK_FROM = Date.UTC(2000, 0, 1);

export interface CronRecurrenceOptions {
  cron: string;
  timeZone: string;
  dstRepeated: DstRepeated;
  dstSkipped: DstSkipped;
}

/** The recurrence of a cron in a time zone, or why the cron or the zone is refused. */
export function cronRecurrence(options: CronRecurrenceOptions): Recurrence | { invalid: string } {
  const { cron, timeZone } = options;
  const zone = zoneOffsetsOf(timeZone);
  if (zone === undefined) {
    return { invalid: `TimeZone "${timeZone}" is not a known IANA time zone` };
  }
  const walls = CronWalls.parse(cron);
  if ('invalid' in walls) {
    return { invalid: `Cron "${cron}" is not a valid cron expression: ${walls.invalid}` };
  }
  const first = walls.firstAfter(NEVER_FIRES_CHECK_FROM);
  if (first === undefined || first > NEVER_FIRES_CHECK_FROM + HORIZON_MS) {
    return { invalid: `Cron "${cron}" has no occurrence within ${HORIZON_YEARS} years` };
  }
  return new CronRecurrence(walls, zone, options.dstRepeated, options.dstSkipped);
}

/** One offset's stretch of the instant line, with the transitions at its ends when near. */
interface Segment {
  readonly offsetMs: number;
  readonly previous: OffsetTransition | undefined;
  readonly next: OffsetTransition | undefined;
}

class CronRecurrence implements Recurrence {
  private readonly fixedOffsetMs: number | undefined;

  constructor(
    private readonly walls: CronWalls,
    private readonly zone: ZoneOffsets,
    private readonly dstRepeated: DstRepeated,
    private readonly dstSkipped: DstSkipped,
  ) {
    this.fixedOffsetMs = zone.fixedOffsetMs;
  }

  firstAfter(instantMs: number): number | undefined {
    if (this.fixedOffsetMs !== undefined) {
      const wall = this.walls.firstAfter(instantMs + this.fixedOffsetMs);
      const point = wall === undefined ? undefined : wall - this.fixedOffsetMs;
      return point !== undefined && point <= instantMs + HORIZON_MS ? point : undefined;
    }
    const next = this.pointsAfter(instantMs, instantMs + HORIZON_MS).next();
    return next.done === true ? undefined : next.value;
  }

  lastAtOrBefore(instantMs: number): number | undefined {
    if (this.fixedOffsetMs !== undefined) {
      const wall = this.walls.lastAtOrBefore(instantMs + this.fixedOffsetMs);
      const point = wall === undefined ? undefined : wall - this.fixedOffsetMs;
      return point !== undefined && point >= instantMs - HORIZON_MS ? point : undefined;
    }
    return this.lastVaryingAtOrBefore(instantMs);
  }

  pointsIn(afterMs: number, atOrBeforeMs: number, keep: number): PointsIn {
    const ring: number[] = [];
    let count = 0;
    for (const point of this.pointsAfter(afterMs, atOrBeforeMs)) {
      if (keep > 0) ring[count % keep] = point;
      count++;
      if (count === COUNT_LIMIT) {
        return {
          count,
          countIsExact: false,
          latest: this.latestSteppingBack(afterMs, atOrBeforeMs, keep),
        };
      }
    }
    const kept = Math.min(keep, count);
    const latest: number[] = [];
    for (let i = count - kept; i < count; i++) latest.push(ring[i % keep]);
    return { count, countIsExact: true, latest };
  }

  /** The points in (afterMs, untilMs], in order. */
  private *pointsAfter(afterMs: number, untilMs: number): Generator<number, void, undefined> {
    if (this.fixedOffsetMs !== undefined) {
      const offset = this.fixedOffsetMs;
      for (const wall of this.walls.after(afterMs + offset, untilMs + offset)) yield wall - offset;
      return;
    }
    let from = afterMs;
    let last = afterMs;
    while (from < untilMs) {
      const segment = this.segmentAfter(from);
      const offset = segment.offsetMs;
      const realFrom = Math.max(from + 1, this.realStart(segment));
      const segmentEnd = segment.next === undefined ? from + LOOK_AROUND_MS : this.realEnd(segment);
      const realUntil = Math.min(segmentEnd - 1, untilMs);
      const real = mapped(this.walls.after(realFrom + offset - 1, realUntil + offset), -offset);
      for (const point of mergeAscending(real, this.shiftedPoints(segment, from, untilMs))) {
        if (point > last) yield (last = point);
      }
      if (segment.next !== undefined) {
        from = segment.next.atMs - 1;
        continue;
      }
      // No transition near: no point lies between here and a margin before the next matching wall.
      const wall = this.walls.firstAfter(from + LOOK_AROUND_MS + offset - 1);
      if (wall === undefined) return;
      from = Math.max(from + LOOK_AROUND_MS - 1, wall - offset - OFFSET_MARGIN_MS);
    }
  }

  /** The shifted points of the gap that starts `segment` (if it does), after `fromMs`. */
  private shiftedPoints(segment: Segment, fromMs: number, untilMs: number): Iterator<number> {
    const gap = segment.previous;
    if (
      this.dstSkipped !== 'shift' ||
      gap === undefined ||
      gap.offsetAfterMs <= gap.offsetBeforeMs
    ) {
      return [][Symbol.iterator]();
    }
    const before = gap.offsetBeforeMs;
    // The walls the gap skipped, [atMs + before, atMs + after), read with the offset before it.
    const lastSkippedWall = Math.min(gap.atMs + gap.offsetAfterMs - 1, untilMs + before);
    const skipped = this.walls.after(Math.max(fromMs, gap.atMs - 1) + before, lastSkippedWall);
    return mapped(skipped, -before);
  }

  private lastVaryingAtOrBefore(instantMs: number): number | undefined {
    const horizonStart = instantMs - HORIZON_MS;
    let at = instantMs;
    while (at >= horizonStart) {
      const segment = this.segmentAt(at);
      const offset = segment.offsetMs;
      const lowest =
        segment.previous === undefined ? at - LOOK_AROUND_MS + 1 : this.realStart(segment);
      const highest = Math.min(at, this.realEnd(segment) - 1);
      const wall = this.walls.lastAtOrBefore(highest + offset);
      let best = wall !== undefined && wall - offset >= lowest ? wall - offset : undefined;
      const shifted = this.lastShiftedAtOrBefore(segment, at);
      if (shifted !== undefined && (best === undefined || shifted > best)) best = shifted;
      if (best !== undefined) return best >= horizonStart ? best : undefined;
      if (segment.previous !== undefined) {
        at = segment.previous.atMs - 1;
        continue;
      }
      if (wall === undefined) return undefined;
      at = Math.min(at - LOOK_AROUND_MS, wall - offset + OFFSET_MARGIN_MS);
    }
    return undefined;
  }

  private lastShiftedAtOrBefore(segment: Segment, atMs: number): number | undefined {
    const gap = segment.previous;
    if (
      this.dstSkipped !== 'shift' ||
      gap === undefined ||
      gap.offsetAfterMs <= gap.offsetBeforeMs
    ) {
      return undefined;
    }
    const before = gap.offsetBeforeMs;
    const wall = this.walls.lastAtOrBefore(
      Math.min(atMs + before, gap.atMs + gap.offsetAfterMs - 1),
    );
    return wall !== undefined && wall >= gap.atMs + before ? wall - before : undefined;
  }

  /** The segment holding the instants just after `instantMs`. */
  private segmentAfter(instantMs: number): Segment {
    return this.segmentAt(instantMs + 1);
  }

  /** The segment holding `instantMs`, with its bounding transitions when within the look-around. */
  private segmentAt(instantMs: number): Segment {
    const behind = this.zone.transitionsIn(instantMs - LOOK_AROUND_MS, instantMs);
    const ahead = this.zone.transitionsIn(instantMs, instantMs + LOOK_AROUND_MS);
    const previous = behind.at(-1);
    const next = ahead.at(0);
    const offsetMs =
      previous?.offsetAfterMs ?? next?.offsetBeforeMs ?? this.zone.offsetAt(instantMs);
    return { offsetMs, previous, next };
  }

  /** Where the segment's real points begin: with 'first', after the repeated hour's second pass. */
  private realStart(segment: Segment): number {
    const repeat = segment.previous;
    if (repeat === undefined) return -Infinity;
    const repeatedMs = repeat.offsetBeforeMs - repeat.offsetAfterMs;
    return this.dstRepeated === 'first' && repeatedMs > 0 ? repeat.atMs + repeatedMs : repeat.atMs;
  }

  /** Where the segment's real points end (exclusive): with 'last', before the first pass. */
  private realEnd(segment: Segment): number {
    const repeat = segment.next;
    if (repeat === undefined) return Infinity;
    const repeatedMs = repeat.offsetBeforeMs - repeat.offsetAfterMs;
    return this.dstRepeated === 'last' && repeatedMs > 0 ? repeat.atMs - repeatedMs : repeat.atMs;
  }

  /** The latest `keep` points in (afterMs, atOrBeforeMs], oldest first, stepping back from the end. */
  private latestSteppingBack(afterMs: number, atOrBeforeMs: number, keep: number): number[] {
    const latest: number[] = [];
    let point = this.lastAtOrBefore(atOrBeforeMs);
    while (point !== undefined && point > afterMs && latest.length < keep) {
      latest.unshift(point);
      point = this.lastAtOrBefore(point - 1);
    }
    return latest;
  }
}

function* mapped(values: Iterator<number>, addMs: number): Generator<number, void, undefined> {
  for (let step = values.next(); step.done !== true; step = values.next()) yield step.value + addMs;
}

/** Two ascending sequences as one ascending sequence (equal values both come through). */
function* mergeAscending(
  a: Iterator<number>,
  b: Iterator<number>,
): Generator<number, void, undefined> {
  let x = a.next();
  let y = b.next();
  while (x.done !== true || y.done !== true) {
    if (y.done === true || (x.done !== true && x.value <= y.value)) {
      yield x.value as number;
      x = a.next();
    } else {
      yield y.value;
      y = b.next();
    }
  }
}
