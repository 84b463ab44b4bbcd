/** What happens in the hour a DST change repeats: its first pass, its last, or both. */
export type DstRepeated = 'first' | 'last' | 'both';
/** What happens to a time in the hour a DST change skips: moved past the gap, or dropped. */
export type DstSkipped = 'shift' | 'skip';
/** After an outage, the occurrences missed meanwhile: none, the one that fell due, or all (capped). */
export type CatchUp = 'skip' | 'one' | 'all';
/** Occurrences that fall due while the previous run of the task still runs. */
export type Overlap = 'skip' | 'bufferOne' | 'allowAll';

/**
 * A task's calendar and occurrence rules, in milliseconds, as a message's fields give them
 * (`Cron`, `TimeZone`, …, `Jitter`, `MaxLateness`) and as a task type declares them in code.
 * Absent means the default.
 */
export interface ScheduleSettings {
  /** `Cron`: 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first. */
  readonly cron?: string;
  /** `TimeZone`: the IANA zone `cron` is read in, e.g. `Europe/Berlin`; default UTC. */
  readonly timeZone?: string;
  /** `DstRepeated`: the hour a DST change repeats runs at its first pass, its last, or both; default `first`. */
  readonly dstRepeated?: DstRepeated;
  /** `DstSkipped`: a time in the hour a DST change skips is moved past the gap, or dropped; default `shift`. */
  readonly dstSkipped?: DstSkipped;
  /** `CatchUp`: occurrences that fell due while none could run: none, one, or all (capped); default `one`. */
  readonly catchUp?: CatchUp;
  /** `CatchUpMax`: most missed occurrences run in a row with `catchUp: 'all'` (1–1000); default 10. */
  readonly catchUpMax?: number;
  /** `Overlap`: an occurrence due while the previous run still runs; default `skip`. */
  readonly overlap?: Overlap;
  /** `Jitter`: each occurrence starts in [due, due + jitterMs), alike on every instance; default 0. */
  readonly jitterMs?: number;
  /** `MaxLateness`: an occurrence that would start later than this after its due time expires. */
  readonly maxLatenessMs?: number;
}

/** The points in time of a periodic task: an Interval grid or a cron schedule in a time zone. */
export interface Recurrence {
  /** The first point strictly after `instantMs`, or undefined when there is none. */
  firstAfter(instantMs: number): number | undefined;
  /** The last point at or before `instantMs`, or undefined when there is none. */
  lastAtOrBefore(instantMs: number): number | undefined;
  /**
   * The points in (afterMs, atOrBeforeMs]: how many, and the latest `keep` of them, oldest first.
   * One call instead of stepping `firstAfter` because an outage of a day under a one-second cron
   * holds 86,400 missed occurrences to count: an Interval grid counts them arithmetically, a cron
   * walks its wall-clock fields without re-parsing. Counting may stop at a limit (100,000 for a
   * cron); `countIsExact` is then false and `count` is a lower bound.
   */
  pointsIn(afterMs: number, atOrBeforeMs: number, keep: number): PointsIn;
}

/** What `Recurrence.pointsIn` found in a range. */
export interface PointsIn {
  readonly count: number;
  readonly countIsExact: boolean;
  /** The latest min(keep, count) points, oldest first. */
  readonly latest: readonly number[];
}

/** A periodic task's rules for occurrences that could not run on time. */
export interface OccurrencePolicies {
  readonly catchUp: CatchUp;
  /** Most missed occurrences run in a row after an outage with `catchUp: 'all'`. */
  readonly catchUpMax: number;
  readonly overlap: Overlap;
}
