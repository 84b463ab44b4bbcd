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
import { StreamInbox } from '../ingest/stream-inbox.service';
import { TaskIngestService } from '../ingest/task-ingest.service';
import { TaskRegistry } from '../tasks/task-registry';
import { TaskRunner } from '../tasks/task-runner.service';
import { declareSchedules } from './declared-schedules';

/**
 * The engine's life: started once the app has bootstrapped (restore from Redis, publish the task
 * types this instance runs, store the schedules they declare, claim what is due, keep house, read
 * the stream inbox), and on shutdown stopped so that no work is lost or stranded: it stops reading and claiming, gives back at once what it holds but has not started, lets running tasks finish
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
    private readonly registry: TaskRegistry,
    private readonly inbox: StreamInbox,
    private readonly ingest: TaskIngestService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recovery.restore();
    await this.store.registerTaskTypes(this.registry.names());
    // Before the first refill: a new schedule due within the window comes back claimed, or is
    // claimed by it, as any task is. A declaration ingest refuses fails the boot.
    await declareSchedules({ registry: this.registry, ingest: this.ingest });
    await this.refill.start();
    this.sweeper.start();
    await this.inbox.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.inbox.stop();
    this.refill.stop();
    this.sweeper.stop();
    const unstarted = [...this.driver.stop(), ...this.runner.stopAccepting()];
    const released = await this.store.releaseClaims(unstarted);
    this.logger.log(`Stopping: gave back ${released} claimed task(s) for other instances`);
    await this.runner.drain(this.options.shutdownGraceMs);
  }
}
