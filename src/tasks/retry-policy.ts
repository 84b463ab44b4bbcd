import type { RetryPolicy } from '../domain/claim';
import type { TaskSpec } from '../domain/task-spec';
import type { TaskTypeOptions } from './delay-task.decorator';

export const DEFAULT_RETRY_DELAY_MS = 1000;
export const DEFAULT_MAX_RETRY_DELAY_MS = 3_600_000;
/** Each wait is drawn within ±20 % of its nominal value, so that tasks failing together spread out. */
const JITTER = 0.2;

/**
 * How long attempt `failedAttempt` + 1 waits after attempt `failedAttempt` failed: `baseMs` doubled
 * for each attempt after the first, drawn within ±20 %, at most `capMs`. `random` is in [0, 1).
 */
export function backoffDelayMs(
  failedAttempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(failedAttempt - 1, 0), 52));
  return Math.min(capMs, Math.round(nominal * (1 - JITTER + 2 * JITTER * random())));
}

/**
 * Whether the occurrence whose attempt `failedAttempt` failed may be tried again, and after how
 * long: the task's `Retries`/`RetryDelay`, else its type's defaults. The store decides by the
 * occurrence's starts (`maxAttempts`), in the same script that records the failure.
 */
export function retryPolicy(
  spec: Pick<TaskSpec, 'retries' | 'retryDelayMs'>,
  type: TaskTypeOptions,
  failedAttempt: number,
  random?: () => number,
): RetryPolicy | undefined {
  const retries = spec.retries ?? type.retries ?? 0;
  if (retries <= 0) return undefined;
  const baseMs = spec.retryDelayMs ?? type.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  const capMs = type.retryMaxDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  return {
    maxAttempts: 1 + retries,
    delayMs: backoffDelayMs(failedAttempt, baseMs, capMs, random),
  };
}
