import { Controller, Get, Inject } from '@nestjs/common';
import { TASK_STORE } from '../delay-task.constants';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import type { StoreCounts, TaskStore } from '../store/task-store';

export interface Health {
  status: 'ok';
  tasks: StoreCounts;
  /** Times this instance lost its subscription to the task channel since it started. */
  pubsubDisconnects: number;
}

/**
 * `GET /health` (only when DELAYTASK_HTTP_PORT is set): answers when Redis does, with task counts
 * and how often the task channel was lost (messages published meanwhile were lost).
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly transport: DelayTaskTransport,
  ) {}

  @Get()
  async health(): Promise<Health> {
    return {
      status: 'ok',
      tasks: await this.store.counts(),
      pubsubDisconnects: this.transport.pubsubDisconnects,
    };
  }
}
