import { DiscoveryService } from '@nestjs/core';

/**
 * Marks an injectable `DelayTaskHandler` as the runner of tasks named `name` (the message's `Name`).
 * It only stores metadata; `TaskRegistry` finds the class at bootstrap.
 *
 * @example
 * @DelayTask('OncePingTask')
 * @Injectable()
 * export class OncePingTask extends DelayTaskHandler<{ Url: string }> { ... }
 */
export const DelayTask = DiscoveryService.createDecorator<string>();
