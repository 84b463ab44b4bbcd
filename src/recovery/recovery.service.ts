import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, TASK_STORE } from '../delay-task.constants';
import { WheelDriver } from '../scheduler/wheel-driver.service';
import { WindowRefill } from '../scheduler/window-refill.service';
import type { TaskStore } from '../store/task-store';
import { TaskRunner } from '../tasks/task-runner.service';
import { LeaseSweeper } from './lease-sweeper.service';

/**
 * Starts the engine from what Redis holds (Redis is the source of truth, so a restart after a
 * crash and a first start are the same thing), and stops it without losing or stranding work.
 */
@Injectable()
export class RecoveryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RecoveryService.name);

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly sweeper: LeaseSweeper,
    private readonly refill: WindowRefill,
    private readonly driver: WheelDriver,
    private readonly runner: TaskRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweeper.reclaimExpired();
    const counts = await this.store.counts();
    this.logger.log(
      `Restored from Redis: ${counts.due} waiting, ${counts.leased} claimed by live or lapsing instances, ` +
        `${counts.failed} failed, ${counts.dead} dead letters (instance ${this.options.instanceId})`,
    );
    await this.refill.refill();
    this.refill.start();
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
