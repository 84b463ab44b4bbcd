import { Module } from '@nestjs/common';
import type { DelayTaskOptions } from './config/delay-task-options.interface';
import { resolveDelayTaskOptions } from './config/resolve-options';
import { DELAY_TASK_CONFIG, SERVER_CLOCK } from './delay-task.constants';
import {
  ConfigurableModuleClass,
  DELAY_TASK_MODULE_OPTIONS,
  type DelayTaskModuleOptions,
} from './delay-task.module-definition';
import { DelayTaskEngine } from './engine/delay-task-engine';
import { EngineEvents, engineEvents } from './events/engine-events';
import { IngestModule } from './ingest/ingest.module';
import { OperationsModule } from './operations/operations.module';
import { RecoveryModule } from './recovery/recovery.module';
import type { Clock } from './domain/clock';
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
    {
      // What the engine tells observers (metrics, the debug run log); lateness by the Redis clock.
      provide: EngineEvents,
      useFactory: (clock: Clock, options: DelayTaskOptions) =>
        engineEvents(clock, options.instanceId),
      inject: [SERVER_CLOCK, DELAY_TASK_CONFIG],
    },
    DelayTaskEngine,
  ],
  exports: [
    DELAY_TASK_CONFIG,
    EngineEvents,
    StoreModule,
    TasksModule,
    IngestModule,
    OperationsModule,
  ],
})
export class DelayTaskModule extends ConfigurableModuleClass {}
