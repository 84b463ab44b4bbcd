import type { LoggerService } from '@nestjs/common';

/** What a handler knows about the run it is asked to do. */
export interface TaskContext {
  /** Fires when the task's timeout elapses or the service shuts down; pass it to fetch and friends. */
  readonly signal: AbortSignal;
  /** The occurrence's scheduled time (unix ms): `ToRunAt`, or `ToRunAt + k·Interval` for periodic tasks. */
  readonly scheduledAt: number;
  /** 1 on the first start of this occurrence; more after an instance died while running it. */
  readonly attempt: number;
  /**
   * Grows with every claim of this task, across all instances. A handler whose side effects must not
   * be applied twice stores the highest token it has seen and ignores writes carrying a smaller one.
   */
  readonly fencingToken: number;
  readonly logger: LoggerService;
}
