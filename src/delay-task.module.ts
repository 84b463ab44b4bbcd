import { Module } from '@nestjs/common';
import type { DelayTaskOptions } from './config/delay-task-options.interface';
import { resolveDelayTaskOptions } from './config/resolve-options';
import { DELAY_TASK_CONFIG } from './delay-task.constants';
import {
  ConfigurableModuleClass,
  DELAY_TASK_MODULE_OPTIONS,
  type DelayTaskModuleOptions,
} from './delay-task.module-definition';
import { DelayTaskEngine } from './engine/delay-task-engine';
import { IngestModule } from './ingest/ingest.module';
import { OperationsModule } from './operations/operations.module';
import { RecoveryModule } from './recovery/recovery.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { StoreModule } from './store/store.module';
import { TasksModule } from './tasks/tasks.module';

/**
 * The engine, as one module: `DelayTaskModule.forRoot(options)` or `forRootAsync({ useFactory,
 * inject })`. Behind it, one module per concern, each depending only on those after it:
 * ingest → scheduler → tasks → store (recovery: → store), started and stopped by DelayTaskEngine.
 * Connect `app.get(DelayTaskTransport)` as a microservice strategy so that tasks arrive.
 */
@Module({
  imports: [
    StoreModule,
    TasksModule,
    SchedulerModule,
    IngestModule,
    RecoveryModule,
    OperationsModule,
  ],
  providers: [
    {
      provide: DELAY_TASK_CONFIG,
      useFactory: (options: DelayTaskModuleOptions): DelayTaskOptions =>
        resolveDelayTaskOptions(options),
      inject: [DELAY_TASK_MODULE_OPTIONS],
    },
    DelayTaskEngine,
  ],
  exports: [DELAY_TASK_CONFIG, StoreModule, TasksModule, IngestModule, OperationsModule],
})
export class DelayTaskModule extends ConfigurableModuleClass {}
