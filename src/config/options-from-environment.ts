import type { DelayTaskModuleOptions } from './delay-task-options.interface';
import type { DelayTaskOptions } from './delay-task-options.interface';
import { OPTION_VARIABLES, type OptionVariable } from './environment';
import { resolveDelayTaskOptions } from './resolve-options';
import { validateDelayTaskEnvironment } from './validate-environment';

/** Where validated variables are read: Nest's `ConfigService`, or the validated environment. */
export interface EnvironmentReader {
  get(variable: OptionVariable): unknown;
}

/**
 * The engine's options from the variables of environment.ts, for
 * `DelayTaskModule.forRootAsync({ inject: [ConfigService], useFactory: delayTaskOptionsFromEnvironment })`.
 * An unset variable gives an undefined option, which the module reads as its default.
 */
export function delayTaskOptionsFromEnvironment(config: EnvironmentReader): DelayTaskModuleOptions {
  const variables = Object.entries(OPTION_VARIABLES) as [OptionVariable, keyof DelayTaskOptions][];
  // The module checks the options again (text read from process.env included) as it takes them.
  return Object.fromEntries(
    variables.map(([variable, option]) => [option, config.get(variable)]),
  ) as DelayTaskModuleOptions;
}

/** The engine's options straight from `process.env`, for an app without ConfigModule. */
export function delayTaskOptionsFromEnv(env: Readonly<Record<string, unknown>>): DelayTaskOptions {
  const environment = validateDelayTaskEnvironment(env);
  return resolveDelayTaskOptions(delayTaskOptionsFromEnvironment({ get: (v) => environment[v] }));
}
