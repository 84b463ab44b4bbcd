import { Logger, type LoggerService } from '@nestjs/common';
import { checkSettings, shownValue } from './check-settings';
import { closestName } from './closest-name';
import { type DelayTaskEnvironment, KNOWN_VARIABLES, SETTING_VARIABLES } from './environment';
import { InvalidEnvError } from './errors/invalid-env.error';
import { ServiceSettingsSchema } from './service-settings.schema';

const VARIABLE_OF_SETTING = new Map(
  Object.entries(SETTING_VARIABLES).map(([variable, setting]) => [setting as string, variable]),
);

/**
 * `ConfigModule.forRoot({ validate: validateDelayTaskEnvironment })`: checks every variable of
 * environment.ts against its setting's rules, an empty variable counting as unset. A bad value
 * throws an error naming the variable and what it accepts (a Redis password never shows); an
 * unknown `DELAYTASK_*` variable is warned about, naming the closest known one. Returns the
 * environment with the variables' values converted (`DELAYTASK_CONCURRENCY` as a number).
 */
export function validateDelayTaskEnvironment(
  env: Readonly<Record<string, unknown>>,
  logger: Pick<LoggerService, 'warn'> = new Logger('Configuration'),
): DelayTaskEnvironment & Record<string, unknown> {
  for (const variable of Object.keys(env)) {
    if (variable.startsWith('DELAYTASK_') && !KNOWN_VARIABLES.includes(variable)) {
      logger.warn(
        `${variable} is not a variable of the service and is ignored; ` +
          `did you mean ${closestName(variable, KNOWN_VARIABLES)}?`,
      );
    }
  }
  const given: Record<string, unknown> = {};
  for (const [variable, setting] of Object.entries(SETTING_VARIABLES)) {
    if (env[variable] !== undefined && env[variable] !== '') given[setting] = env[variable];
  }
  const settings = checkSettings(ServiceSettingsSchema, given, ({ setting, accepts }) => {
    const variable = VARIABLE_OF_SETTING.get(setting) ?? setting;
    return new InvalidEnvError(variable, String(shownValue(setting, env[variable])), accepts);
  });
  const values = Object.entries(SETTING_VARIABLES).map(([variable, setting]): [string, unknown] => [
    variable,
    settings[setting],
  ]);
  return { ...env, ...Object.fromEntries(values) };
}
