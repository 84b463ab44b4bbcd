import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { DelayTaskHandlerMetadata } from './delay-task.decorator';
import { DelayTaskHandler } from './delay-task-handler';
import { DuplicateTaskNameError } from './errors/duplicate-task-name.error';
import { InvalidTaskHandlerError } from './errors/invalid-task-handler.error';

/** Name -> handler, discovered once at bootstrap from providers decorated `@DelayTask`. */
@Injectable()
export class TaskRegistry implements OnModuleInit {
  private readonly logger = new Logger(TaskRegistry.name);
  private readonly handlers = new Map<string, DelayTaskHandler>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({
      metadataKey: DelayTaskHandlerMetadata.KEY,
    })) {
      const name = this.discovery.getMetadataByDecorator(DelayTaskHandlerMetadata, wrapper)?.name;
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
      const existing = this.handlers.get(name);
      if (existing) throw new DuplicateTaskNameError(name, existing.constructor.name, className);
      this.handlers.set(name, instance as DelayTaskHandler);
      this.logger.log(`Task "${name}" runs with ${className}`);
    }
    if (this.handlers.size === 0) {
      this.logger.warn('No @DelayTask handlers are registered: every task will be dead-lettered');
    }
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  get(name: string): DelayTaskHandler | undefined {
    return this.handlers.get(name);
  }
}
