import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, TASK_STORE } from '../delay-task.constants';
import { EngineEvents } from '../events/engine-events';
import { OutageLog } from '../logging/outage-log';
import { IntervalJobs } from '../scheduler/interval-jobs';
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
  private readonly jobs: IntervalJobs;
  private readonly outage = new OutageLog(this.logger, 'take over lapsed leases or prune in Redis');

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Optional() schedulerRegistry?: SchedulerRegistry,
    @Optional() private readonly events: EngineEvents = new EngineEvents(),
  ) {
    this.jobs = new IntervalJobs(this.logger, schedulerRegistry);
  }

  start(): void {
    const reclaimEveryMs = Math.min(1000, Math.floor(this.options.leaseMs / 5));
    this.jobs.start('delaytask:reclaim-expired', reclaimEveryMs, () =>
      this.logged(this.reclaimExpired()),
    );
    this.jobs.start('delaytask:prune-finished', PRUNE_INTERVAL_MS, () =>
      this.logged(this.pruneFinished()),
    );
  }

  stop(): void {
    this.jobs.stopAll();
  }

  /** A housekeeping round whose failure is an outage, logged once when it starts and ends. */
  private async logged(round: Promise<unknown>): Promise<void> {
    try {
      await round;
      this.outage.succeeded();
    } catch (error) {
      this.outage.failed(error);
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
    this.events.takenOver(total);
    if (total > 0)
      this.logger.log(`Took back ${total} task(s) whose instance stopped renewing its lease`);
    return total;
  }

  private async pruneFinished(): Promise<void> {
    while ((await this.store.pruneFinished(PRUNE_LIMIT)) >= PRUNE_LIMIT);
  }
}
