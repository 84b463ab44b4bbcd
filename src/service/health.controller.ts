import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { TASK_STORE } from '../delay-task.constants';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import { errorWithCauses } from '../logging/error-causes';
import { printable } from '../logging/printable';
import { within } from '../observability/within';
import type { StoreCounts, TaskStore } from '../store/task-store';

/** While Redis does not answer, /health says so after this long rather than when ioredis gives up. */
const REDIS_ANSWER_MS = 1000;

export interface Health {
  status: 'ok';
  tasks: StoreCounts;
  /** Times this instance lost its subscription to the task channel since it started. */
  pubsubDisconnects: number;
}

/** The answer, with 503, while Redis does not answer. */
export interface Unhealthy {
  status: 'unavailable';
  reason: string;
  pubsubDisconnects: number;
}

/**
 * `GET /health` (only when DELAYTASK_HTTP_PORT is set): task counts and how often the task
 * channel was lost (messages published meanwhile were lost); 503 with the reason within a second
 * while Redis does not answer. (`/health/live` and `/health/ready` are the probes.)
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(TASK_STORE) private readonly store: TaskStore,
    private readonly transport: DelayTaskTransport,
  ) {}

  @Get()
  async health(): Promise<Health> {
    const pubsubDisconnects = this.transport.pubsubDisconnects;
    try {
      const tasks = await within(this.store.counts(), REDIS_ANSWER_MS, 'Redis');
      return { status: 'ok', tasks, pubsubDisconnects };
    } catch (error) {
      const reason = printable(errorWithCauses(error), 500);
      const answer: Unhealthy = { status: 'unavailable', reason, pubsubDisconnects };
      throw new ServiceUnavailableException(answer);
    }
  }
}
