import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { errorWithCauses } from '../logging/error-causes';
import { printable } from '../logging/printable';
import { TaskOperations } from '../operations/task-operations.service';
import type { TaskStats } from '../store/operations-store';
import {
  DEFAULT_READY_MAX_LAG_MS,
  DELAY_TASK_OBSERVABILITY_OPTIONS,
  type DelayTaskObservabilityOptions,
} from './observability.module-definition';
import { within } from './within';

/** A probe waits this long for Redis before it says Redis does not answer. */
const PROBE_REDIS_MS = 1000;

/**
 * Whether this instance should get traffic: Redis answers within a second, and the oldest due
 * task waits no longer than `readyMaxLagMs` (past it the deployment is not keeping up, or not
 * running). A check that fails throws terminus's 503 with each indicator's reason; each change
 * of the answer is logged once.
 */
@Injectable()
export class Readiness {
  private readonly logger = new Logger(Readiness.name);
  private readonly maxLagMs: number;
  private ready = true;

  constructor(
    @Inject(DELAY_TASK_OBSERVABILITY_OPTIONS) options: DelayTaskObservabilityOptions,
    private readonly operations: TaskOperations,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {
    this.maxLagMs = options.readyMaxLagMs ?? DEFAULT_READY_MAX_LAG_MS;
  }

  async check(): Promise<HealthCheckResult> {
    const stats = within(this.operations.stats(), PROBE_REDIS_MS, 'Redis');
    try {
      const result = await this.health.check([() => this.redis(stats), () => this.dueLag(stats)]);
      this.changed(true, 'ready again');
      return result;
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        this.changed(false, `not ready: ${reasons(error.getResponse() as HealthCheckResult)}`);
      }
      throw error;
    }
  }

  private async redis(stats: Promise<TaskStats>): Promise<HealthIndicatorResult> {
    const redis = this.indicators.check('redis');
    try {
      await stats;
      return redis.up();
    } catch (error) {
      return redis.down({ reason: printable(errorWithCauses(error), 500) });
    }
  }

  private async dueLag(stats: Promise<TaskStats>): Promise<HealthIndicatorResult> {
    const lag = this.indicators.check('dueLag');
    const read = await stats.catch(() => undefined);
    if (!read) return lag.down({ reason: 'unknown while Redis does not answer' });
    const { oldestDueLagMs } = read;
    const maxLagMs = this.maxLagMs;
    if (oldestDueLagMs <= maxLagMs) return lag.up({ oldestDueLagMs, maxLagMs });
    const reason = `the oldest due task waits ${oldestDueLagMs} ms, more than ${maxLagMs} ms`;
    return lag.down({ oldestDueLagMs, maxLagMs, reason });
  }

  private changed(ready: boolean, what: string): void {
    if (ready === this.ready) return;
    this.ready = ready;
    if (ready) this.logger.log(`Readiness: ${what}`);
    else this.logger.warn(`Readiness: ${what}`);
  }
}

/** `redis: …; dueLag: …`: why the failing indicators failed. */
function reasons(result: HealthCheckResult): string {
  return Object.entries(result.error ?? {})
    .map(([key, detail]) => `${key}: ${String((detail as { reason?: unknown }).reason)}`)
    .join('; ');
}
