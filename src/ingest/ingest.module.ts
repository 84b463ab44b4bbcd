import { Module } from '@nestjs/common';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG } from '../delay-task.constants';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { StoreModule } from '../store/store.module';
import { TasksModule } from '../tasks/tasks.module';
import { DelayTaskTransport } from './delay-task.transport';
import { StreamInbox } from './stream-inbox.service';
import { TaskIngestController } from './task-ingest.controller';
import { TaskIngestService } from './task-ingest.service';

/**
 * The ways in: the Redis transport (connect it as a microservice strategy) and the controller that
 * receives its messages, the stream inbox, and the service that checks them and stores tasks or
 * dead letters.
 */
@Module({
  imports: [StoreModule, TasksModule, SchedulerModule],
  controllers: [TaskIngestController],
  providers: [
    {
      provide: DelayTaskTransport,
      useFactory: (options: DelayTaskOptions) => new DelayTaskTransport(options),
      inject: [DELAY_TASK_CONFIG],
    },
    TaskIngestService,
    StreamInbox,
  ],
  exports: [DelayTaskTransport, TaskIngestService, StreamInbox],
})
export class IngestModule {}
