import { ConfigurableModuleBuilder } from '@nestjs/common';

/** Options of `DelayTaskAdminModule.forRoot` / `forRootAsync`. */
export interface DelayTaskAdminOptions {
  /**
   * When set, every request to the admin API must carry `Authorization: Bearer <token>`;
   * without it (or with another token) the answer is 401. Unset: no token is asked for.
   */
  token?: string;
}

export const {
  ConfigurableModuleClass: DelayTaskAdminConfigurableModule,
  MODULE_OPTIONS_TOKEN: DELAY_TASK_ADMIN_OPTIONS,
} = new ConfigurableModuleBuilder<DelayTaskAdminOptions>().setClassMethodName('forRoot').build();
