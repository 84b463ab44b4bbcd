/**
 * UTC offsets of an IANA time zone and the instants they change, read from the platform's tz data
 * through `Intl.DateTimeFormat`. A cron is read in wall-clock time; these offsets turn its wall
 * times into instants (see `cron-recurrence.ts`).
 *
 * An offset is `wall − instant` in ms, e.g. +3,600,000 for CET. Offsets are whole seconds, so a
 * whole-second wall time maps to whole-second instants.
 */

const SECOND = 1000;
const DAY = 86_400_000;
/** Days whose transitions a zone remembers; about five years of days around the current one. */
const DAYS_REMEMBERED = 2000;

/** The instant a zone's offset changes: `atMs` is the first instant of the new offset. */
export interface OffsetTransition {
  readonly atMs: number;
  readonly offsetBeforeMs: number;
  readonly offsetAfterMs: number;
}

export class ZoneOffsets {
  /** Per UTC day (index since the epoch), the transition inside it, or null for none. */
  private readonly transitionsByDay = new Map<number, OffsetTransition | null>();

  private constructor(
    private readonly formatter: Intl.DateTimeFormat,
    /** Set for zones that never change offset (UTC, Etc/GMT+5): no search at all. */
    readonly fixedOffsetMs: number | undefined,
  ) {}

  /** The zone's offsets, or undefined when `timeZone` is not an IANA zone the platform knows. */
  static of(timeZone: string): ZoneOffsets | undefined {
    let formatter: Intl.DateTimeFormat;
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (error) {
      if (error instanceof RangeError) return undefined;
      throw error;
    }
    const varying = new ZoneOffsets(formatter, undefined);
    // The Etc/ zones (Etc/UTC, Etc/GMT-3) and UTC are fixed by definition.
    const canonical = formatter.resolvedOptions().timeZone;
    if (canonical === 'UTC' || canonical.startsWith('Etc/')) {
      return new ZoneOffsets(formatter, varying.offsetAt(0));
    }
    return varying;
  }

  /** The offset in force at `instantMs`. */
  offsetAt(instantMs: number): number {
    if (this.fixedOffsetMs !== undefined) return this.fixedOffsetMs;
    const wholeSecond = Math.floor(instantMs / SECOND) * SECOND;
    const field = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of this.formatter.formatToParts(wholeSecond)) {
      if (part.type in field) field[part.type as keyof typeof field] = Number(part.value);
    }
    const wall = Date.UTC(
      field.year,
      field.month - 1,
      field.day,
      field.hour,
      field.minute,
      field.second,
    );
    return wall - wholeSecond;
  }

  /**
   * The transitions with `fromMs < atMs <= toMs`, oldest first. The zone is probed at each UTC
   * midnight (remembered per day), and a day whose two ends differ is bisected to the second, so a
   * pair of changes that cancel out within one UTC day is not seen; no zone has such a pair.
   */
  transitionsIn(fromMs: number, toMs: number): OffsetTransition[] {
    if (this.fixedOffsetMs !== undefined) return [];
    const found: OffsetTransition[] = [];
    for (let day = Math.floor(fromMs / DAY); day * DAY < toMs; day++) {
      const transition = this.transitionInDay(day);
      if (transition !== null && transition.atMs > fromMs && transition.atMs <= toMs) {
        found.push(transition);
      }
    }
    return found;
  }

  /** The transition in (day start, next day start], if any. */
  private transitionInDay(day: number): OffsetTransition | null {
    const known = this.transitionsByDay.get(day);
    if (known !== undefined) return known;
    let before = day * DAY;
    let after = before + DAY;
    const offsetBeforeMs = this.offsetAt(before);
    const offsetAfterMs = this.offsetAt(after);
    let transition: OffsetTransition | null = null;
    if (offsetBeforeMs !== offsetAfterMs) {
      // Offsets change on whole seconds: halve the span until `after` is the first second of the new one.
      while (after - before > SECOND) {
        const middle = before + Math.floor((after - before) / (2 * SECOND)) * SECOND;
        if (this.offsetAt(middle) === offsetBeforeMs) before = middle;
        else after = middle;
      }
      transition = { atMs: after, offsetBeforeMs, offsetAfterMs };
    }
    if (this.transitionsByDay.size >= DAYS_REMEMBERED) {
      const oldest = this.transitionsByDay.keys().next();
      if (oldest.done !== true) this.transitionsByDay.delete(oldest.value);
    }
    this.transitionsByDay.set(day, transition);
    return transition;
  }
}

const ZONES_REMEMBERED = 500;
const zones = new Map<string, ZoneOffsets | undefined>();

/** `ZoneOffsets.of`, remembered per zone name: a formatter is costly to build, cheap to reuse. */
export function zoneOffsetsOf(timeZone: string): ZoneOffsets | undefined {
  if (zones.has(timeZone)) return zones.get(timeZone);
  const offsets = ZoneOffsets.of(timeZone);
  if (zones.size >= ZONES_REMEMBERED) {
    const oldest = zones.keys().next();
    if (oldest.done !== true) zones.delete(oldest.value);
  }
  zones.set(timeZone, offsets);
  return offsets;
}
