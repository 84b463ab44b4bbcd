import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { StoreModule } from '../store/store.module';
import { RunControl } from './run-control';
import { TaskRegistry } from './task-registry';
import { TaskRunner } from './task-runner.service';

/** The task types (found by their `@DelayTask` decorator) and the runner that runs them. */
@Module({
  imports: [DiscoveryModule, StoreModule],
  providers: [TaskRegistry, TaskRunner, RunControl],
  exports: [TaskRegistry, TaskRunner],
})
export class TasksModule {}
