import { Controller, Get, Inject, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import type { RedisLike } from '../store/redis-like';
import { BearerTokenGuard } from '../admin/bearer-token.guard';
import { readDeadLetters } from '../cli/dead-letters';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, OPERATIONS_STORE, REDIS_CLIENT } from '../delay-task.constants';
import type { DeadLetter } from '../ingest/dead-letter';
import { errorWithCauses } from '../logging/error-causes';
import type { OperationsStore } from '../store/operations-store';
import { InstanceHeartbeat, type InstanceStatus } from './instance-heartbeat.service';
import type { LatenessPoint } from './lateness-history';
import { ObservabilityMetrics } from './observability-metrics.service';
import { within } from './within';

const DEAD_LETTERS_SHOWN = 20;
/** A dead letter's message is cut to this on the page (it may be 64 KiB; the CLI shows it whole). */
const MESSAGE_CHARS = 500;
const STATUS_REDIS_MS = 2000;

/** What the status page shows beside the admin API's counts and failed tasks. */
export interface StatusData {
  /** The instance that answers: the lateness below is its own. */
  instance: string;
  lateness: LatenessPoint[];
  instances: InstanceStatus[];
  deadLetters: DeadLetter[];
}

/** `GET /status/data`, behind the token: the page's own data, refreshed every second. */
@Controller('status')
@UseGuards(BearerTokenGuard)
export class StatusDataController {
  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(REDIS_CLIENT) private readonly redis: RedisLike,
    @Inject(OPERATIONS_STORE) private readonly store: OperationsStore,
    private readonly heartbeat: InstanceHeartbeat,
    private readonly metrics: ObservabilityMetrics,
  ) {}

  @Get('data')
  async data(): Promise<StatusData> {
    const reading = Promise.all([
      this.heartbeat.instances(),
      readDeadLetters(this.redis, this.store.keys, DEAD_LETTERS_SHOWN),
    ]);
    try {
      const [instances, { entries }] = await within(reading, STATUS_REDIS_MS, 'Redis');
      return {
        instance: this.options.instanceId,
        lateness: this.metrics.lateness.points(),
        instances,
        deadLetters: entries.map(cut),
      };
    } catch (error) {
      throw new ServiceUnavailableException(errorWithCauses(error));
    }
  }
}

function cut(entry: DeadLetter): DeadLetter {
  if (entry.message.length <= MESSAGE_CHARS) return entry;
  return { ...entry, message: `${entry.message.slice(0, MESSAGE_CHARS)}…`, truncated: true };
}
