import { Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, TASK_STORE } from '../delay-task.constants';
import type { TaskStore } from '../store/task-store';

const RECLAIM_LIMIT = 5000;
const PRUNE_LIMIT = 5000;
const PRUNE_INTERVAL_MS = 60_000;

/**
 * Housekeeping every instance does, safely at the same time as the others (each step is one
 * idempotent script): return lapsed leases of dead instances, keep what finished tasks leave
 * behind within its bounds. (Each instance renews its own leases: see TaskRunner.)
 */
@Injectable()
export class LeaseSweeper {
  private readonly logger = new Logger(LeaseSweeper.name);
  private readonly jobs: readonly { name: string; everyMs: number; run: () => Promise<unknown> }[];

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly schedulerRegistry: SchedulerRegistry,
  ) {
    const { leaseMs } = options;
    this.jobs = [
      {
        name: 'delaytask:reclaim-expired',
        everyMs: Math.min(1000, Math.floor(leaseMs / 5)),
        run: () => this.reclaimExpired(),
      },
      {
        name: 'delaytask:prune-finished',
        everyMs: PRUNE_INTERVAL_MS,
        run: () => this.pruneFinished(),
      },
    ];
  }

  start(): void {
    for (const { name, everyMs, run } of this.jobs) {
      const timer = setInterval(() => {
        run().catch((error: Error) => this.logger.debug(`${name} failed: ${error.message}`));
      }, everyMs);
      this.schedulerRegistry.addInterval(name, timer);
    }
  }

  stop(): void {
    for (const { name } of this.jobs) {
      if (this.schedulerRegistry.doesExist('interval', name)) {
        this.schedulerRegistry.deleteInterval(name);
      }
    }
  }

  /** Returns every lapsed claim to the due set; returns how many. */
  async reclaimExpired(): Promise<number> {
    let total = 0;
    for (;;) {
      const reclaimed = await this.store.reclaimExpired(RECLAIM_LIMIT);
      total += reclaimed;
      if (reclaimed < RECLAIM_LIMIT) break;
    }
    if (total > 0)
      this.logger.log(`Took back ${total} task(s) whose instance stopped renewing its lease`);
    return total;
  }

  private async pruneFinished(): Promise<void> {
    while ((await this.store.pruneFinished(PRUNE_LIMIT)) >= PRUNE_LIMIT);
  }
}
