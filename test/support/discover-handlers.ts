import type { LoggerService, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test, type TestingModule } from '@nestjs/testing';
import { TaskRegistry } from '../../src/tasks/task-registry';

/**
 * A Nest app of these providers with a real TaskRegistry, bootstrapped (the registry has
 * discovered its `@DelayTask` handlers): specs get the registry and the handlers' instances from
 * it, whatever the registry's lookup looks like. `logger` becomes Nest's logger (compiling a
 * testing module replaces it), so pass the spec's LogCapture.
 */
export async function discoverHandlers(
  providers: Provider[],
  logger: LoggerService,
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [TaskRegistry, ...providers],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  return moduleRef;
}
