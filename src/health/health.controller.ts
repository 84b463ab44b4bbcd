import { Controller, Get, Inject } from '@nestjs/common';
import { TASK_STORE } from '../delay-task.constants';
import type { StoreCounts, TaskStore } from '../store/task-store';

/** `GET /health` (only when DELAYTASK_HTTP_PORT is set): answers when Redis does, with task counts. */
@Controller('health')
export class HealthController {
  constructor(@Inject(TASK_STORE) private readonly store: TaskStore) {}

  @Get()
  async health(): Promise<{ status: 'ok'; tasks: StoreCounts }> {
    return { status: 'ok', tasks: await this.store.counts() };
  }
}
