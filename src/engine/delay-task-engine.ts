import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, TASK_STORE } from '../delay-task.constants';
import { LeaseSweeper } from '../recovery/lease-sweeper.service';
import { RecoveryService } from '../recovery/recovery.service';
import { WheelDriver } from '../scheduler/wheel-driver.service';
import { WindowRefill } from '../scheduler/window-refill.service';
import type { TaskStore } from '../store/task-store';
import { TaskRunner } from '../tasks/task-runner.service';

/**
 * The engine's life: started once the app has bootstrapped (restore from Redis, claim what is
 * due, keep house), and on shutdown stopped so that no work is lost or stranded: it stops
 * claiming, gives back at once what it holds but has not started, lets running tasks finish
 * within the grace period, and records their outcomes. Nest calls this before
 * `onApplicationShutdown`, where Redis connections and handlers' own resources close.
 */
@Injectable()
export class DelayTaskEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DelayTaskEngine.name);

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly recovery: RecoveryService,
    private readonly refill: WindowRefill,
    private readonly sweeper: LeaseSweeper,
    private readonly driver: WheelDriver,
    private readonly runner: TaskRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recovery.restore();
    await this.refill.start();
    this.sweeper.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.refill.stop();
    this.sweeper.stop();
    const unstarted = [...this.driver.stop(), ...this.runner.stopAccepting()];
    const released = await this.store.releaseClaims(unstarted);
    this.logger.log(`Stopping: gave back ${released} claimed task(s) for other instances`);
    await this.runner.drain(this.options.shutdownGraceMs);
  }
}
