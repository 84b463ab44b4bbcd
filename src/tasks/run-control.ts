import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { RedisLike } from '../store/redis-like';
import { REDIS_CLIENT, TASK_STORE } from '../delay-task.constants';
import { OutageLog } from '../logging/outage-log';
import type { TaskStore } from '../store/task-store';
import { TaskRunner } from './task-runner.service';

const CANCEL = /^cancel (.+) (\d+)$/;

/**
 * Hears the control channel (`<prefix>control`), on which cancelling a running task tells every
 * instance `cancel <id> <token>`: the one running that run aborts its signal at once, rather than
 * at its next lease renewal (which would find the lease gone anyway, should a message be missed).
 */
@Injectable()
export class RunControl implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RunControl.name);
  private readonly subscriber: RedisLike;

  constructor(
    @Inject(REDIS_CLIENT) redis: RedisLike,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly runner: TaskRunner,
  ) {
    this.subscriber = redis.duplicate();
    const outage = new OutageLog(this.logger, 'hear the control channel');
    this.subscriber.on('error', (error: Error) => outage.failed(error));
    this.subscriber.on('ready', () => outage.succeeded());
    this.subscriber.on('message', (_channel: string, message: string) => this.heard(message));
  }

  async onModuleInit(): Promise<void> {
    await this.subscriber.subscribe(this.store.keys.control);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private heard(message: string): void {
    const match = CANCEL.exec(message);
    // The script publishes the token as the task's partition counts it; runs go by the store's.
    if (match) this.runner.abortRun(this.store.tokenOf(match[1], Number(match[2])), 'cancelled');
  }
}
