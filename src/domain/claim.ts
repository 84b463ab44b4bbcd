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
  /** Starts of this occurrence so far, this one included (1 on the first run). */
  attempt: number;
}
export type ClaimRef = Pick<Claim, 'id' | 'token'>;
/**
 * How a run ended. `abandoned`: it started but was given up without an outcome (its lease could
 * not be kept, or the instance is stopping), so the occurrence is to be started again, this start
 * counted as lost; `unstarted`: confirmed but never started here, so its start is not counted.
 */
export type RunOutcome =
  | { id: string; token: number; outcome: 'ok' | 'abandoned' | 'unstarted' }
  | {
      id: string;
      token: number;
      outcome: 'error' | 'timeout';
      error: string;
      attempt: number;
      /** Whether and when the occurrence may be tried again (the store decides, by its attempts). */
      retry?: RetryPolicy;
    };

/** A failed run's occurrence is retried after `delayMs` while it has had fewer than `maxAttempts` starts. */
export interface RetryPolicy {
  maxAttempts: number;
  delayMs: number;
}
