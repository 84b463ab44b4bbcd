import { OPTION_VARIABLES } from './environment';
import {
  delayTaskOptionsFromEnv,
  delayTaskOptionsFromEnvironment,
} from './options-from-environment';
import { resolveDelayTaskOptions } from './resolve-options';

describe('delayTaskOptionsFromEnvironment', () => {
  it('reads each option from its variable', () => {
    const read: string[] = [];
    const options = delayTaskOptionsFromEnvironment({
      get: (variable) => {
        read.push(variable);
        return variable === 'DELAYTASK_CONCURRENCY' ? 7 : undefined;
      },
    });
    expect(read.sort()).toEqual(Object.keys(OPTION_VARIABLES).sort());
    expect(options.concurrency).toBe(7);
  });

  it('leaves an unset variable undefined, which the module reads as the default', () => {
    const options = resolveDelayTaskOptions(
      delayTaskOptionsFromEnvironment({ get: () => undefined }),
    );
    expect(options.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(options.topic).toBe('messageQ');
  });
});

describe('delayTaskOptionsFromEnv', () => {
  it('gives the full options of process.env-like variables', () => {
    const options = delayTaskOptionsFromEnv({
      REDIS_URL: 'redis://h:1/2',
      DELAYTASK_LEASE_MS: '3000',
      DELAYTASK_HTTP_PORT: '8080',
    });
    expect(options).toMatchObject({ redisUrl: 'redis://h:1/2', leaseMs: 3000, windowMs: 2000 });
  });

  it('refuses a bad variable by its name', () => {
    expect(() => delayTaskOptionsFromEnv({ DELAYTASK_WINDOW_MS: '50' })).toThrow(
      'DELAYTASK_WINDOW_MS="50" is invalid: DELAYTASK_WINDOW_MS accepts a whole number of ms from 100 to 600000 (10 min).',
    );
  });
});
