import { CronExpression, CronExpressionParser } from 'cron-parser';

/**
 * The wall-clock times a cron expression matches, with no time zone: a wall time is written as
 * the UTC instant with the same fields ("fake UTC"), so 2026-03-29 02:30 local is
 * `Date.UTC(2026, 2, 29, 2, 30)` whatever the zone. `cron-recurrence.ts` turns them into instants.
 *
 * cron-parser parses the text and, with tz 'UTC' on these values (so its own DST handling never
 * applies), says whether a day matches (days of month and week, months, L and #: `includesDate`).
 * Stepping is done here: matching days are remembered, and the times within a matching day come
 * from the hour, minute and second lists. A cron-parser `next()` costs 25 µs to 2 ms (it walks
 * day by day), too much for a call per occurrence and for counting a day of a one-second cron.
 */

const SECOND = 1000;
const DAY = 86_400_000;
/** How many days a step looks through for a matching one: beyond the 8 years between two Feb 29ths. */
const SEARCH_DAYS = 3700;
const DAYS_REMEMBERED = 5000;

export class CronWalls {
  private readonly dayMatches = new Map<number, boolean>();
  private readonly firstOfDay: number;
  private readonly lastOfDay: number;

  private constructor(
    private readonly expression: CronExpression,
    private readonly seconds: readonly number[],
    private readonly minutes: readonly number[],
    private readonly hours: readonly number[],
  ) {
    this.firstOfDay = hours[0] * 3600 + minutes[0] * 60 + seconds[0];
    this.lastOfDay =
      hours[hours.length - 1] * 3600 +
      minutes[minutes.length - 1] * 60 +
      seconds[seconds.length - 1];
  }

  /** Parses 5 fields, or 6 with seconds first; cron-parser's error message when it refuses. */
  static parse(cron: string): CronWalls | { invalid: string } {
    const fieldCount = cron.trim().split(/\s+/).length;
    if (fieldCount !== 5 && fieldCount !== 6) {
      return { invalid: `expected 5 fields, or 6 with seconds first, got ${fieldCount}` };
    }
    let expression: CronExpression;
    try {
      // The seed makes `H` fields the same on every instance (cron-parser seeds them at random).
      expression = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: 0, hashSeed: cron });
    } catch (error) {
      return { invalid: error instanceof Error ? error.message : String(error) };
    }
    const { second, minute, hour } = expression.fields;
    return new CronWalls(
      expression,
      numbers(second.values),
      numbers(minute.values),
      numbers(hour.values),
    );
  }

  /** The first matching wall time strictly after `wallMs`, or undefined within the search bound. */
  firstAfter(wallMs: number): number | undefined {
    const wholeSecond = Math.floor(wallMs / SECOND) * SECOND;
    const day = Math.floor(wholeSecond / DAY);
    if (this.matches(day)) {
      const later = this.laterTimeOfDay((wholeSecond - day * DAY) / SECOND);
      if (later !== undefined) return day * DAY + later * SECOND;
    }
    for (let next = day + 1; next <= day + SEARCH_DAYS; next++) {
      if (this.matches(next)) return next * DAY + this.firstOfDay * SECOND;
    }
    return undefined;
  }

  /** The last matching wall time at or before `wallMs`, or undefined within the search bound. */
  lastAtOrBefore(wallMs: number): number | undefined {
    const wholeSecond = Math.floor(wallMs / SECOND) * SECOND;
    const day = Math.floor(wholeSecond / DAY);
    if (this.matches(day)) {
      const earlier = this.timeOfDayAtOrBefore((wholeSecond - day * DAY) / SECOND);
      if (earlier !== undefined) return day * DAY + earlier * SECOND;
    }
    for (let previous = day - 1; previous >= day - SEARCH_DAYS; previous--) {
      if (this.matches(previous)) return previous * DAY + this.lastOfDay * SECOND;
    }
    return undefined;
  }

  /** The matching wall times strictly after `wallMs`, in order, up to `untilWallMs` inclusive. */
  *after(wallMs: number, untilWallMs: number): Generator<number, void, undefined> {
    let wall = this.firstAfter(wallMs);
    if (wall === undefined) return;
    // An odometer over the time lists within a matching day: counting stays O(1) a point.
    let dayStart = Math.floor(wall / DAY) * DAY;
    const secondOfDay = (wall - dayStart) / SECOND;
    let h = this.hours.indexOf(Math.floor(secondOfDay / 3600));
    let m = this.minutes.indexOf(Math.floor(secondOfDay / 60) % 60);
    let s = this.seconds.indexOf(secondOfDay % 60);
    while (wall <= untilWallMs) {
      yield wall;
      if (++s === this.seconds.length) {
        s = 0;
        if (++m === this.minutes.length) {
          m = 0;
          if (++h === this.hours.length) {
            h = 0;
            const nextDay = this.firstAfter(dayStart + DAY - 1);
            if (nextDay === undefined) return;
            dayStart = nextDay - this.firstOfDay * SECOND;
          }
        }
      }
      wall = dayStart + (this.hours[h] * 3600 + this.minutes[m] * 60 + this.seconds[s]) * SECOND;
    }
  }

  /** Whether the day (days since the epoch) matches the day fields; remembered. */
  private matches(day: number): boolean {
    let matches = this.dayMatches.get(day);
    if (matches === undefined) {
      matches = this.expression.includesDate(new Date(day * DAY + this.firstOfDay * SECOND));
      if (this.dayMatches.size >= DAYS_REMEMBERED) {
        const oldest = this.dayMatches.keys().next();
        if (oldest.done !== true) this.dayMatches.delete(oldest.value);
      }
      this.dayMatches.set(day, matches);
    }
    return matches;
  }

  /** The first matching second of a matching day after `secondOfDay`, if any. */
  private laterTimeOfDay(secondOfDay: number): number | undefined {
    const hour = Math.floor(secondOfDay / 3600);
    const minute = Math.floor(secondOfDay / 60) % 60;
    const second = secondOfDay % 60;
    if (this.hours.includes(hour)) {
      if (this.minutes.includes(minute)) {
        const nextSecond = firstAbove(this.seconds, second);
        if (nextSecond !== undefined) return hour * 3600 + minute * 60 + nextSecond;
      }
      const nextMinute = firstAbove(this.minutes, minute);
      if (nextMinute !== undefined) return hour * 3600 + nextMinute * 60 + this.seconds[0];
    }
    const nextHour = firstAbove(this.hours, hour);
    if (nextHour !== undefined) return nextHour * 3600 + this.minutes[0] * 60 + this.seconds[0];
    return undefined;
  }

  /** The last matching second of a matching day at or before `secondOfDay`, if any. */
  private timeOfDayAtOrBefore(secondOfDay: number): number | undefined {
    const hour = Math.floor(secondOfDay / 3600);
    const minute = Math.floor(secondOfDay / 60) % 60;
    const second = secondOfDay % 60;
    const lastSecond = this.seconds[this.seconds.length - 1];
    const lastMinute = this.minutes[this.minutes.length - 1];
    if (this.hours.includes(hour)) {
      if (this.minutes.includes(minute)) {
        const earlierSecond = lastBelow(this.seconds, second + 1);
        if (earlierSecond !== undefined) return hour * 3600 + minute * 60 + earlierSecond;
      }
      const earlierMinute = lastBelow(this.minutes, minute);
      if (earlierMinute !== undefined) return hour * 3600 + earlierMinute * 60 + lastSecond;
    }
    const earlierHour = lastBelow(this.hours, hour);
    if (earlierHour !== undefined) return earlierHour * 3600 + lastMinute * 60 + lastSecond;
    return undefined;
  }
}

function numbers(values: readonly (number | string)[]): number[] {
  return values.filter((value): value is number => typeof value === 'number').sort((a, b) => a - b);
}

/** The first value of an ascending list greater than `value`. */
function firstAbove(sorted: readonly number[], value: number): number | undefined {
  for (const candidate of sorted) if (candidate > value) return candidate;
  return undefined;
}

/** The last value of an ascending list less than `value`. */
function lastBelow(sorted: readonly number[], value: number): number | undefined {
  for (let i = sorted.length - 1; i >= 0; i--) if (sorted[i] < value) return sorted[i];
  return undefined;
}
