import { Inject, Injectable, Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, SERVER_CLOCK, TASK_STORE } from '../delay-task.constants';
import { OutageLog } from '../logging/outage-log';
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
  private readonly outage = new OutageLog(
    new Logger(WindowRefill.name),
    'claim due tasks from Redis',
  );
  private refilling = false;

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(SERVER_CLOCK) private readonly clock: ServerClock,
    private readonly driver: WheelDriver,
    private readonly schedulerRegistry: SchedulerRegistry,
  ) {}

  start(): void {
    const timer = setInterval(() => void this.refill(), this.options.refillIntervalMs);
    this.schedulerRegistry.addInterval(REFILL_JOB, timer);
  }

  stop(): void {
    if (this.schedulerRegistry.doesExist('interval', REFILL_JOB)) {
      this.schedulerRegistry.deleteInterval(REFILL_JOB);
    }
  }

  /** Claims what is due within the window; returns how many tasks it took. */
  async refill(): Promise<number> {
    if (this.refilling) return 0;
    this.refilling = true;
    let taken = 0;
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const { nowMs, claims } = await this.store.claimDue(
          this.options.instanceId,
          this.options.windowMs,
          this.options.leaseMs,
          CLAIM_LIMIT,
        );
        this.clock.observe(nowMs);
        this.driver.hold(claims);
        taken += claims.length;
        if (claims.length < CLAIM_LIMIT) break;
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
