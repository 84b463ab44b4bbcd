import { Module } from '@nestjs/common';
import { IngestModule } from '../ingest/ingest.module';
import { StoreModule } from '../store/store.module';
import { TaskOperations } from './task-operations.service';

/** Operating tasks: the service behind the admin API and the CLI, injectable by any app. */
@Module({
  imports: [StoreModule, IngestModule],
  providers: [TaskOperations],
  exports: [TaskOperations],
})
export class OperationsModule {}
