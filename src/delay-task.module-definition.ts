import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { DelayTaskModuleOptions } from './config/delay-task-options.interface';

export type { DelayTaskModuleOptions };

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: DELAY_TASK_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DelayTaskModuleOptions>()
  .setClassMethodName('forRoot')
  // Global: the engine's own modules read its options, and there is one engine per app.
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();
