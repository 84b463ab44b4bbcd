import { Injectable, Scope, type Provider } from '@nestjs/common';
import { discoverHandlers } from '../../test/support/discover-handlers';
import { captureNestLogs } from '../../test/support/log-capture';
import type { TaskSpec } from '../domain/task-spec';
import { DelayTaskHandler } from './delay-task-handler';
import { DelayTask } from './delay-task.decorator';
import { DuplicateTaskNameError } from './errors/duplicate-task-name.error';
import { InvalidTaskHandlerError } from './errors/invalid-task-handler.error';
import { TaskRegistry } from './task-registry';

const logs = captureNestLogs();

/** A dependency, to show that handlers are built by Nest with theirs injected. */
@Injectable()
class Greeter {
  greet(name: string): string {
    return `hello ${name}`;
  }
}

@DelayTask('Greet')
@Injectable()
class GreetTask extends DelayTaskHandler {
  constructor(readonly greeter: Greeter) {
    super();
  }

  run(task: TaskSpec): Promise<void> {
    this.greeter.greet(task.id);
    return Promise.resolve();
  }
}

@DelayTask('Ping', { retries: 3, retryDelayMs: 2000 })
@Injectable()
class PingTask extends DelayTaskHandler {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

/** Another class that takes the name `Ping`. */
@DelayTask('Ping')
@Injectable()
class OtherPingTask extends DelayTaskHandler {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

@DelayTask('PerRequest')
@Injectable({ scope: Scope.REQUEST })
class PerRequestTask extends DelayTaskHandler {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestContext {}

/** Request-scoped without saying so: it depends on a request-scoped provider. */
@DelayTask('NeedsRequest')
@Injectable()
class NeedsRequestTask extends DelayTaskHandler {
  constructor(readonly context: RequestContext) {
    super();
  }

  run(): Promise<void> {
    return Promise.resolve();
  }
}

/** Has a `run` method, but is no DelayTaskHandler. */
@DelayTask('Impostor')
@Injectable()
class ImpostorTask {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

@DelayTask('')
@Injectable()
class NamelessTask extends DelayTaskHandler {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

/** A plain provider: not a handler, never looked at. */
@Injectable()
class Unrelated {}

/** Bootstraps a Nest app of these providers with the registry, and returns the registry. */
async function registryOf(...providers: Provider[]): Promise<TaskRegistry> {
  return (await discoverHandlers(providers, logs)).get(TaskRegistry);
}

describe('TaskRegistry', () => {
  it('finds every @DelayTask provider by its name, built by Nest with its dependencies', async () => {
    const moduleRef = await discoverHandlers([Greeter, GreetTask, PingTask, Unrelated], logs);
    const registry = moduleRef.get(TaskRegistry);

    const greet = moduleRef.get(GreetTask);
    expect(registry.get('Greet')).toEqual({ handler: greet, options: {} });
    expect(greet.greeter).toBeInstanceOf(Greeter);
    expect(registry.get('Ping')).toEqual({
      handler: moduleRef.get(PingTask),
      options: { retries: 3, retryDelayMs: 2000 },
    });
    expect([registry.has('Greet'), registry.has('Ping'), registry.has('Unrelated')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(registry.get('greet')).toBeUndefined();
    expect(logs.of(TaskRegistry.name, 'log')).toEqual([
      'Task "Greet" runs with GreetTask',
      'Task "Ping" runs with PingTask',
    ]);
  });

  it('finds a handler provided under a token of its own', async () => {
    const registry = await registryOf({ provide: 'ping-handler', useClass: PingTask });
    expect(registry.get('Ping')?.handler).toBeInstanceOf(PingTask);
  });

  it('warns when no handler is registered: every task would be dead-lettered', async () => {
    const registry = await registryOf(Unrelated);
    expect(registry.has('Ping')).toBe(false);
    expect(logs.of(TaskRegistry.name, 'warn')).toEqual([
      'No @DelayTask handlers are registered: every task will be dead-lettered',
    ]);
  });

  describe('refuses to start with a handler it cannot use, naming the class', () => {
    it('two classes with one task name', async () => {
      const bootstrap = registryOf(PingTask, OtherPingTask);
      await expect(bootstrap).rejects.toThrow(DuplicateTaskNameError);
      await expect(bootstrap).rejects.toThrow(
        'Task name "Ping" is claimed by both PingTask and OtherPingTask; ' +
          'give each @DelayTask class its own name.',
      );
    });

    it.each([
      {
        what: 'a request-scoped handler',
        handler: PerRequestTask,
        reason: 'it is request-scoped; task handlers must be singletons',
        also: [],
      },
      {
        what: 'a handler that depends on a request-scoped provider',
        handler: NeedsRequestTask,
        reason: 'it is request-scoped; task handlers must be singletons',
        also: [RequestContext],
      },
      {
        what: 'a class that does not extend DelayTaskHandler',
        handler: ImpostorTask,
        reason: 'it does not extend DelayTaskHandler',
        also: [],
      },
      {
        what: 'an empty task name',
        handler: NamelessTask,
        reason: '@DelayTask needs a task name',
        also: [],
      },
    ])('$what', async ({ handler, reason, also }) => {
      const bootstrap = registryOf(PingTask, handler, ...also);
      await expect(bootstrap).rejects.toThrow(InvalidTaskHandlerError);
      await expect(bootstrap).rejects.toThrow(
        `@DelayTask class ${handler.name} cannot be used: ${reason}.`,
      );
    });
  });
});
