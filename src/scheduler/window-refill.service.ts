import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, SERVER_CLOCK, TASK_STORE } from '../delay-task.constants';
import { OutageLog } from '../logging/outage-log';
import { IntervalJobs } from './interval-jobs';
import type { TaskStore } from '../store/task-store';
import { ServerClock } from './server-clock';
import { WheelDriver } from './wheel-driver.service';

const REFILL_JOB = 'delaytask:refill-window';
/** Claims per script call, and calls per refill: bounds one refill's work so a huge backlog drains in steps. */
const CLAIM_LIMIT = 2000;
const MAX_ROUNDS = 50;

/**
 * Moves tasks that fall due within the near window from Redis into this instance's wheel,
 * claiming them atomically so that no other instance holds them too.
 */
@Injectable()
export class WindowRefill {
  private readonly logger = new Logger(WindowRefill.name);
  private readonly outage = new OutageLog(this.logger, 'claim due tasks from Redis');
  private readonly jobs: IntervalJobs;
  private refilling = false;

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(SERVER_CLOCK) private readonly clock: ServerClock,
    private readonly driver: WheelDriver,
    @Optional() schedulerRegistry?: SchedulerRegistry,
  ) {
    this.jobs = new IntervalJobs(this.logger, schedulerRegistry);
    driver.onRoom(() => void this.refill());
  }

  /** Claims what is due now, then keeps the window filled. */
  async start(): Promise<void> {
    await this.refill();
    this.jobs.start(REFILL_JOB, this.options.refillIntervalMs, () => this.refill());
  }

  stop(): void {
    this.jobs.stopAll();
  }

  /**
   * Claims what is due within the window, as much as this instance has room for; returns how
   * many tasks it took.
   */
  async refill(): Promise<number> {
    if (this.refilling) return 0;
    this.refilling = true;
    // Cleared before looking: ingest leaving tasks in Redis meanwhile marks it again.
    this.driver.dueLeftInRedis = false;
    let taken = 0;
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const limit = Math.min(CLAIM_LIMIT, this.driver.room);
        if (limit <= 0) {
          this.driver.dueLeftInRedis = true;
          break;
        }
        const { nowMs, claims } = await this.store.claimDue(
          this.options.instanceId,
          this.options.windowMs,
          this.options.leaseMs,
          limit,
        );
        this.driver.take(nowMs, claims);
        taken += claims.length;
        if (claims.length < limit) break;
        if (round === MAX_ROUNDS - 1) this.driver.dueLeftInRedis = true;
      }
      this.outage.succeeded();
    } catch (error) {
      this.outage.failed(error);
    } finally {
      this.refilling = false;
    }
    return taken;
  }
}
