/**
 * A claim, and the run it becomes: what moves between the scheduler, the runner and the store.
 * An instance holds a task by a claim (a lease with a fencing token); when the claim falls due and
 * Redis confirms it, it becomes a started run; the run ends with an outcome.
 */
export interface Claim {
  id: string;
  /** Scheduled time of the claimed occurrence. */
  dueMs: number;
  /** Fencing token of the claim: unique per claim across all tasks, so it names a run. */
  token: number;
}
export interface StartedRun extends Claim {
  record: string;
  /** When it was to start: its due time, spread by the task's Jitter on a first attempt. */
  plannedMs: number;
  /** Starts of this occurrence so far, this one included (1 on the first run). */
  attempt: number;
}
export type ClaimRef = Pick<Claim, 'id' | 'token'>;
/**
 * What the runner decided of a periodic task's schedule as an occurrence ended (the store keeps no
 * calendar: every next occurrence is computed in one place, src/schedules/occurrence-plan.ts).
 */
export interface ScheduleStep {
  /** The next occurrence's due time; undefined when the schedule is over (its EndTime passed). */
  nextMs?: number;
  /** Occurrences that will not run (skipped by the catch-up or overlap rules), this one included. */
  missed: number;
}

/**
 * How a run ended. `abandoned`: it started but was given up without an outcome (its lease could
 * not be kept, or the instance is stopping), so the occurrence is to be started again, this start
 * counted as lost; `unstarted`: confirmed but never started here, so its start is not counted.
 * `missed`: the occurrence was not run (catch-up rule); `expired`: it would have started later than
 * its MaxLateness; `stalled`: its runs were lost more than DELAYTASK_MAX_STALLS times. A periodic
 * task's outcome carries its `schedule` step; without one its schedule ends.
 */
export type RunOutcome =
  | OneOutcomeEach<'abandoned' | 'unstarted', ClaimRef>
  | OneOutcomeEach<'ok' | 'missed', ClaimRef & { schedule?: ScheduleStep }>
  | OneOutcomeEach<
      'error' | 'timeout' | 'expired' | 'stalled',
      ClaimRef & {
        error: string;
        attempt: number;
        /** Whether and when the occurrence may be tried again (the store decides, by its attempts). */
        retry?: RetryPolicy;
        schedule?: ScheduleStep;
      }
    >;

/**
 * `Fields` with one member per outcome (`{ outcome: 'ok' } | { outcome: 'missed' }`, not
 * `{ outcome: 'ok' | 'missed' }`), so that ruling out some outcomes narrows the union.
 */
type OneOutcomeEach<Outcome extends string, Fields> = Outcome extends unknown
  ? Fields & { outcome: Outcome }
  : never;

/** How a handler's run settles (the other outcomes are decided without running it). */
export type SettledOutcome = Extract<
  RunOutcome,
  { outcome: 'ok' | 'error' | 'timeout' | 'abandoned' }
>;

/** A failed run's occurrence is retried after `delayMs` while it has had fewer than `maxAttempts` starts. */
export interface RetryPolicy {
  maxAttempts: number;
  delayMs: number;
}

/** Why a run's `ctx.signal` fired. */
export type AbortKind =
  | 'timeout'
  | 'lease-expired'
  | 'taken-over'
  | 'rescheduled'
  | 'removed'
  | 'cancelled'
  | 'shutdown';
