import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { redactClusterNodes, redactRedisUrl } from './redis-url';

/** A class whose properties carry the rules of setting-rules.ts. */
export type SettingsSchema = new () => object;

/** A setting its rule refuses, and what the rule accepts. */
export interface SettingRefusal {
  setting: string;
  accepts: string;
}

/**
 * The settings given, checked against the schema's rules, with environment text converted
 * (`"16"` to 16); absent ones stay absent. The first refused setting (in the schema's order) is
 * turned into the caller's error, which names it the way the caller's user wrote it.
 */
export function checkSettings(
  schema: SettingsSchema,
  given: Readonly<Record<string, unknown>>,
  refused: (refusal: SettingRefusal) => Error,
): Record<string, unknown> {
  const settings = plainToInstance(schema, given) as Record<string, unknown>;
  const [first] = validateSync(settings, { stopAtFirstError: true });
  if (first) {
    const [accepts] = Object.values(first.constraints ?? {});
    throw refused({ setting: first.property, accepts });
  }
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

/** The names of the settings the schema has rules for. */
export function settingNames(schema: SettingsSchema): string[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(schema, '', true, false);
  return [...new Set(rules.map((rule) => rule.propertyName))];
}

/** The value as an error may show it: the password of the Redis URL or cluster nodes is replaced. */
export function shownValue(setting: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (setting === 'redisUrl') return redactRedisUrl(value);
  if (setting === 'redisClusterNodes') return redactClusterNodes(value);
  return value;
}
