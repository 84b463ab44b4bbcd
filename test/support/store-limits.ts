import type { StoreLimits } from '../../src/store/task-store';

/** The store's bounds in the e2e specs that drive TaskStore directly: roomy, one stall allowed. */
export const STORE_LIMITS: StoreLimits = {
  completedRetentionMs: 86_400_000,
  completedMax: 1_000_000,
  replayWindowMs: 60_000,
  failedRetentionMs: 7 * 86_400_000,
  failedMax: 100_000,
  failedMaxBytes: 256 * 1024 * 1024,
  historyRetentionMs: 3_600_000,
  historyMax: 10_000,
  maxStalls: 1,
};
