import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, TASK_STORE } from '../delay-task.constants';
import type { TaskStore } from '../store/task-store';
import { LeaseSweeper } from './lease-sweeper.service';

/**
 * Restores the engine's view from what Redis holds. Redis is the source of truth, so a restart
 * after a crash and a first start are the same thing: claims whose instance is gone go back to
 * due, and what is due then is claimed by the window refill like anything else.
 */
@Injectable()
export class RecoveryService {
  private readonly logger = new Logger(RecoveryService.name);

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly sweeper: LeaseSweeper,
  ) {}

  async restore(): Promise<void> {
    await this.store.checkPartitions();
    await this.sweeper.reclaimExpired();
    const counts = await this.store.counts();
    this.logger.log(
      `Restored from Redis: ${counts.due} waiting, ${counts.leased} claimed by live or lapsing instances, ` +
        `${counts.failed} failed, ${counts.dead} dead letters (instance ${this.options.instanceId})`,
    );
  }
}
