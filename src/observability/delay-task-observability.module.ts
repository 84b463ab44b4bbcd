import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  DELAY_TASK_ADMIN_OPTIONS,
  type DelayTaskAdminOptions,
} from '../admin/admin.module-definition';
import { BearerTokenGuard } from '../admin/bearer-token.guard';
import { HealthProbesController } from './health-probes.controller';
import { InstanceHeartbeat } from './instance-heartbeat.service';
import { MetricsController } from './metrics.controller';
import {
  DELAY_TASK_OBSERVABILITY_OPTIONS,
  DelayTaskObservabilityConfigurableModule,
  type DelayTaskObservabilityOptions,
} from './observability.module-definition';
import { ObservabilityMetrics } from './observability-metrics.service';
import { Readiness } from './readiness';
import { StatusDataController } from './status-data.controller';
import { StatusPageController } from './status-page.controller';

/**
 * Seeing the engine work, beside `DelayTaskModule`: `GET /metrics` (Prometheus), `GET /health/live`
 * and `GET /health/ready` (terminus), and the status page at `GET /` with its data at
 * `GET /status/data`. The page calls the admin API too: import `DelayTaskAdminModule` with the
 * same token. Every instance that imports it also tells the others it is alive (a heartbeat in
 * Redis), which the page and `delaytask_instances` show.
 */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [
    HealthProbesController,
    MetricsController,
    StatusPageController,
    StatusDataController,
  ],
  providers: [
    {
      // The admin API's guard, given this module's token.
      provide: DELAY_TASK_ADMIN_OPTIONS,
      useFactory: ({ token }: DelayTaskObservabilityOptions): DelayTaskAdminOptions => ({ token }),
      inject: [DELAY_TASK_OBSERVABILITY_OPTIONS],
    },
    BearerTokenGuard,
    InstanceHeartbeat,
    ObservabilityMetrics,
    Readiness,
  ],
  exports: [ObservabilityMetrics],
})
export class DelayTaskObservabilityModule extends DelayTaskObservabilityConfigurableModule {}
