import type { CatchUp, DstRepeated, DstSkipped, Overlap } from './schedule-types';

/**
 * A validated task as it is stored in Redis (`JSON.stringify` of this object, keys in this order).
 * Times are unix milliseconds and durations milliseconds. The stored text doubles as the task's
 * content fingerprint: the same submission must always serialise to the same string, so it holds
 * what the producer sent (normalised), never what was computed on arrival; but for the trailing
 * `payloadChecked` mark, which the store leaves out of the content (see below).
 */
export interface TaskSpec {
  /** Producer's ID (int64 kept as text), or, when the message had none, `msg:` + a digest of its text. */
  readonly id: string;
  /** Registered handler name, e.g. `OncePingTask`. */
  readonly name: string;
  /** First due time as sent (`ToRunAt`); absent when the producer gave `ToRunAfter`. */
  readonly toRunAtMs?: number;
  /** Delay after arrival (`ToRunAfter`), used only when `toRunAtMs` is absent. */
  readonly toRunAfterMs?: number;
  /** Run time bound (`Timeout`); absent means the configured default. */
  readonly timeoutMs?: number;
  /** Period (`Interval`); with `cron`, one of the two is present exactly for periodic tasks. */
  readonly intervalMs?: number;
  /** Calendar (`Cron`: 5 fields, or 6 with seconds first), read in `timeZone`. */
  readonly cron?: string;
  /** IANA time zone of `cron` (`TimeZone`); absent means UTC. */
  readonly timeZone?: string;
  /** The hour a DST change repeats (`DstRepeated`); absent means `first`. */
  readonly dstRepeated?: DstRepeated;
  /** The hour a DST change skips (`DstSkipped`); absent means `shift`. */
  readonly dstSkipped?: DstSkipped;
  /** Last allowed occurrence (`EndTime`); absent means no end. */
  readonly endTimeMs?: number;
  /** Occurrences missed in an outage (`CatchUp`); absent means `one`. */
  readonly catchUp?: CatchUp;
  /** Most missed occurrences run with `catchUp: 'all'` (`CatchUpMax`); absent means 10. */
  readonly catchUpMax?: number;
  /** Occurrences due while the previous run still runs (`Overlap`); absent means `skip`. */
  readonly overlap?: Overlap;
  /** Each occurrence starts within [due, due + jitterMs) (`Jitter`), alike on every instance. */
  readonly jitterMs?: number;
  /** An occurrence that would start later than this after its due time expires (`MaxLateness`). */
  readonly maxLatenessMs?: number;
  /** Attempts after the first failed one (`Retries`); absent means the handler's default, else 0. */
  readonly retries?: number;
  /** Wait before the first retry (`RetryDelay`), doubling with each; absent: the handler's, else 1 s. */
  readonly retryDelayMs?: number;
  /** Every other field of the message, for the handler (`Url` for the ping tasks). */
  readonly payload: Readonly<Record<string, unknown>>;
  /**
   * Set by ingest when the task type's payload class checked the payload on arrival: the runner
   * then only makes the instance of the class, not checking it again (tasks stored from outside,
   * by the CLI or `DelayTaskClient.send`, know no classes and are checked before each run). Not
   * part of the content: the store strips it before comparing records or naming a submission
   * (digest.lua's `contentOf`), so a task sent through either door is one submission. It must stay
   * the last key, so the record ends with exactly `,"payloadChecked":true}`. A producer cannot
   * forge it: message fields other than the known ones land inside `payload`, and a record whose
   * payload ends with that text ends in `}}`, not `true}`.
   */
  readonly payloadChecked?: true;
}

/** What a handler receives: the stored spec plus the occurrence being run. */
export interface DueTask<P = Record<string, unknown>> extends TaskSpec {
  readonly payload: Readonly<P>;
}
