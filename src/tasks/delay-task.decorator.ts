import { DiscoveryService } from '@nestjs/core';

/** What `@DelayTask` stores on a handler class. */
export interface DelayTaskMetadata {
  /** The message's `Name` this handler runs. */
  readonly name: string;
}

/** The metadata key `TaskRegistry` finds handlers by (DiscoveryService indexes providers by it). */
export const DelayTaskHandlerMetadata = DiscoveryService.createDecorator<DelayTaskMetadata>();

/**
 * Marks an injectable `DelayTaskHandler` as the runner of tasks named `name` (the message's `Name`).
 * It only stores metadata; `TaskRegistry` finds the class at bootstrap.
 *
 * @example
 * @DelayTask('OncePingTask')
 * @Injectable()
 * export class OncePingTask extends DelayTaskHandler<{ Url: string }> { ... }
 */
export function DelayTask(name: string): ClassDecorator {
  return DelayTaskHandlerMetadata({ name });
}
