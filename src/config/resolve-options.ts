import { inspect } from 'node:util';
import { checkSettings, settingNames, shownValue } from './check-settings';
import { closestName } from './closest-name';
import { defaultOptions } from './default-options';
import type { DelayTaskOptions } from './delay-task-options.interface';
import { DelayTaskOptionsSchema } from './delay-task-options.schema';
import { InvalidOptionError } from './errors/invalid-option.error';
import { UnknownOptionError } from './errors/unknown-option.error';

/**
 * Defaults that differ on a Redis Cluster (`redisClusterNodes` set): the tasks are spread over
 * every master, and an accept waits for a replica, so that a master's failover loses none.
 */
export const CLUSTER_DEFAULTS: Readonly<Record<string, number>> = {
  partitions: 16,
  replicaAcks: 1,
};

/**
 * The engine's options from those given to `DelayTaskModule.forRoot`/`forRootAsync`: an option
 * given as `undefined`, `null` or `''` takes its default, as an unset or empty variable does (so
 * `redisUrl: config.get('REDIS_URL')` works with the variable unset); decimal text is read as a
 * number. A value out of range or an option the engine does not have throws, naming the option.
 */
export function resolveDelayTaskOptions(given: Readonly<object>): DelayTaskOptions {
  const chosen = Object.fromEntries(
    Object.entries(given).filter(
      ([, value]) => value !== undefined && value !== null && value !== '',
    ),
  );
  const known = settingNames(DelayTaskOptionsSchema);
  const unknown = Object.keys(chosen).find((option) => !known.includes(option));
  if (unknown !== undefined) throw new UnknownOptionError(unknown, closestName(unknown, known));
  const options = checkSettings(
    DelayTaskOptionsSchema,
    { ...defaultOptions(), ...(chosen.redisClusterNodes ? CLUSTER_DEFAULTS : {}), ...chosen },
    ({ setting, accepts }) =>
      new InvalidOptionError(setting, shown(setting, chosen[setting]), accepts),
  );
  // Every default is there, and each option given passed its rule.
  return options as unknown as DelayTaskOptions;
}

function shown(option: string, value: unknown): string {
  const safe = shownValue(option, value);
  return typeof safe === 'string' ? JSON.stringify(safe) : inspect(safe);
}
