import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of `DelayTaskObservabilityModule.forRoot` / `forRootAsync`. */
export interface DelayTaskObservabilityOptions {
  /**
   * The bearer token `/metrics` and the status page's data ask for (give the admin API's); unset:
   * none. Neither the page itself nor the liveness and readiness probes ask for it.
   */
  token?: string;
  /** `GET /health/ready` answers 503 while the oldest due task waits longer than this; 60000. */
  readyMaxLagMs?: number;
}

export const DEFAULT_READY_MAX_LAG_MS = 60_000;

export const {
  ConfigurableModuleClass: DelayTaskObservabilityConfigurableModule,
  MODULE_OPTIONS_TOKEN: DELAY_TASK_OBSERVABILITY_OPTIONS,
} = new ConfigurableModuleBuilder<DelayTaskObservabilityOptions>()
  .setClassMethodName('forRoot')
  .build();
