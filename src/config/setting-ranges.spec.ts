import { resolveDelayTaskOptions } from './resolve-options';
import { settingNames } from './check-settings';
import { DelayTaskOptionsSchema } from './delay-task-options.schema';
import { SETTING_VARIABLES } from './environment';
import { ServiceSettingsSchema } from './service-settings.schema';
import { validateDelayTaskEnvironment } from './validate-environment';

const DAY = 86_400_000;
const YEAR = 365 * DAY;

/** What each whole-number setting accepts, as the README's table states it. */
const WHOLE_NUMBERS: Readonly<Record<string, readonly [number, number]>> = {
  concurrency: [1, 10_000],
  defaultTimeoutMs: [1, DAY],
  maxTimeoutMs: [1, 24 * DAY],
  windowMs: [100, 600_000],
  refillIntervalMs: [10, 60_000],
  leaseMs: [500, 3_600_000],
  maxStalls: [0, 100],
  completedRetentionMs: [0, YEAR],
  completedMax: [1, 1_000_000_000],
  replayWindowMs: [0, DAY],
  failedRetentionMs: [1000, YEAR],
  failedMax: [1, 100_000_000],
  failedMaxBytes: [1024 ** 2, 1024 ** 4],
  historyRetentionMs: [0, YEAR],
  historyMax: [1, 100_000_000],
  streamBatchSize: [1, 10_000],
  streamClaimIdleMs: [1000, DAY],
  maxMessageBytes: [256, 64 * 1024 ** 2],
  deadLetterMax: [1, 10_000_000],
  deadLetterMaxBytes: [64 * 1024, 1024 ** 4],
  ingestBufferBytes: [1024 ** 2, 16 * 1024 ** 3],
  maxPastMs: [0, YEAR],
  maxFutureMs: [1000, 100 * YEAR],
  minIntervalMs: [1, DAY],
  shutdownGraceMs: [0, 3_600_000],
  clockSkewMs: [-DAY, DAY],
  partitions: [1, 1024],
  replicaAcks: [0, 5],
  replicaAckTimeoutMs: [1, 60_000],
  httpPort: [1, 65_535],
  readyMaxLagMs: [1000, DAY],
};

/** Text settings: one value accepted, and values refused. */
const TEXTS: Readonly<Record<string, readonly [string, readonly string[]]>> = {
  prefix: ['tenant-7:', ['has space', '{tagged}', 'a}', '\t']],
  topic: ['jobs.v2', ['two words', 'tab\there']],
  instanceId: ['host-1:42:ab', ['a|b', 'a b']],
  localRedisDir: ['/var/lib/delaytask', [' ', '\n']],
  httpHost: ['0.0.0.0', ['two words', 'a/b']],
  logFormat: ['json', ['JSON', 'yaml', 'text ']],
  logLevel: ['debug', ['info', 'trace', 'WARN']],
};

const quiet = { warn: (): void => undefined };
const fromEnv = (variable: string, text: string): Record<string, unknown> =>
  validateDelayTaskEnvironment({ [variable]: text }, quiet);

/** Module options: the engine's settings only. */
const OPTION_NAMES = settingNames(DelayTaskOptionsSchema);
const wholeNumberOptions = Object.entries(WHOLE_NUMBERS).filter(([o]) => OPTION_NAMES.includes(o));
const textOptions = Object.entries(TEXTS).filter(([option]) => OPTION_NAMES.includes(option));
const variablesOf = (settings: readonly string[]): [string, string][] =>
  Object.entries(SETTING_VARIABLES).filter(([, setting]) => settings.includes(setting));

describe('the ranges', () => {
  it('cover every setting but the three Redis ones (redis-url rules, tested on their own) and the admin token (any text)', () => {
    const covered = [...Object.keys(WHOLE_NUMBERS), ...Object.keys(TEXTS)];
    expect(settingNames(ServiceSettingsSchema).sort()).toEqual(
      [...covered, 'redisUrl', 'redisCaFile', 'redisClusterNodes', 'httpToken'].sort(),
    );
  });
});

describe.each(wholeNumberOptions)('option %s', (option, [min, max]) => {
  it.each([min, max])('accepts %p', (value) => {
    expect(resolveDelayTaskOptions({ [option]: value })).toMatchObject({ [option]: value });
  });

  it.each([min - 1, max + 1, min + 0.5])('refuses %p, naming the option and its range', (value) => {
    expect(() => resolveDelayTaskOptions({ [option]: value })).toThrow(
      `DelayTaskModule option ${option}=${value} is invalid: ${option} accepts a whole number`,
    );
    expect(() => resolveDelayTaskOptions({ [option]: value })).toThrow(
      new RegExp(`from ${min}( \\(.*\\))? to ${max}( \\(.*\\))?\\.$`),
    );
  });
});

describe.each(textOptions)('option %s', (option, [accepted, refused]) => {
  it(`accepts ${JSON.stringify(accepted)}`, () => {
    expect(resolveDelayTaskOptions({ [option]: accepted })).toMatchObject({ [option]: accepted });
  });

  it.each(refused)('refuses %j, naming the option', (value) => {
    expect(() => resolveDelayTaskOptions({ [option]: value })).toThrow(
      `DelayTaskModule option ${option}=${JSON.stringify(value)} is invalid: ${option} accepts text`,
    );
  });
});

describe.each(variablesOf(Object.keys(WHOLE_NUMBERS)))('%s', (variable, setting) => {
  const [min, max] = WHOLE_NUMBERS[setting];

  it.each([min, max])('accepts %p, read as a number', (value) => {
    expect(fromEnv(variable, String(value))[variable]).toBe(value);
  });

  it.each([String(min - 1), String(max + 1), '1.5', 'many', '1e3', '0x10', '5s'])(
    'refuses %j, naming the variable',
    (text) => {
      expect(() => fromEnv(variable, text)).toThrow(
        `${variable}=${JSON.stringify(text)} is invalid: ${variable} accepts a whole number`,
      );
    },
  );
});

describe.each(variablesOf(Object.keys(TEXTS)))('%s', (variable, setting) => {
  const [accepted, refused] = TEXTS[setting];

  it(`accepts ${JSON.stringify(accepted)}`, () => {
    expect(fromEnv(variable, accepted)[variable]).toBe(accepted);
  });

  it.each(refused)('refuses %j, naming the variable', (text) => {
    expect(() => fromEnv(variable, text)).toThrow(
      `${variable}=${JSON.stringify(text)} is invalid: ${variable} accepts`,
    );
  });
});

describe('DELAYTASK_HTTP_TOKEN', () => {
  it.each(['s3cret', 'with spaces | and bars'])('accepts any text, %j, as it is', (token) => {
    expect(fromEnv('DELAYTASK_HTTP_TOKEN', token).DELAYTASK_HTTP_TOKEN).toBe(token);
  });
});
