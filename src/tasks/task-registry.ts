import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import {
  DelayTaskHandlerMetadata,
  scheduleOptionsFault,
  type TaskTypeOptions,
} from './delay-task.decorator';
import { DelayTaskHandler } from './delay-task-handler';
import { DuplicateTaskNameError } from './errors/duplicate-task-name.error';
import { InvalidTaskHandlerError } from './errors/invalid-task-handler.error';

/** A registered task type: its handler and its defaults. */
export interface TaskType {
  readonly handler: DelayTaskHandler;
  readonly options: TaskTypeOptions;
}

/** Name -> task type, discovered once at bootstrap from providers decorated `@DelayTask`. */
@Injectable()
export class TaskRegistry implements OnModuleInit {
  private readonly logger = new Logger(TaskRegistry.name);
  private readonly types = new Map<string, TaskType>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({
      metadataKey: DelayTaskHandlerMetadata.KEY,
    })) {
      const metadata = this.discovery.getMetadataByDecorator(DelayTaskHandlerMetadata, wrapper);
      const name = metadata?.name;
      const className = wrapper.metatype?.name ?? String(wrapper.name);
      if (!name) throw new InvalidTaskHandlerError(className, '@DelayTask needs a task name');
      if (!wrapper.isDependencyTreeStatic()) {
        throw new InvalidTaskHandlerError(
          className,
          'it is request-scoped; task handlers must be singletons',
        );
      }
      const instance: unknown = wrapper.instance;
      if (!(instance instanceof DelayTaskHandler)) {
        throw new InvalidTaskHandlerError(className, 'it does not extend DelayTaskHandler');
      }
      const scheduleFault = scheduleOptionsFault(metadata.options);
      if (scheduleFault) throw new InvalidTaskHandlerError(className, scheduleFault);
      const existing = this.types.get(name);
      if (existing) {
        throw new DuplicateTaskNameError(name, existing.handler.constructor.name, className);
      }
      this.types.set(name, { handler: instance as DelayTaskHandler, options: metadata.options });
      this.logger.log(`Task "${name}" runs with ${className}`);
    }
    if (this.types.size === 0) {
      this.logger.warn('No @DelayTask handlers are registered: every task will be dead-lettered');
    }
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  get(name: string): TaskType | undefined {
    return this.types.get(name);
  }

  names(): string[] {
    return [...this.types.keys()];
  }
}
