import { delayTaskOptionsFromEnv, httpPortFromEnv } from './env.config';
import { InvalidEnvError } from './errors/invalid-env.error';
import { redactRedisUrl, redisOptionsFromUrl } from './redis-url';

describe('delayTaskOptionsFromEnv', () => {
  it('uses the defaults and starts a local Redis only when REDIS_URL is unset', () => {
    const options = delayTaskOptionsFromEnv({});
    expect(options.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(options.startLocalRedis).toBe(true);
    expect(options.prefix).toBe('remote-task0:');
    expect(options.topic).toBe('messageQ');
    expect(options.concurrency).toBeGreaterThanOrEqual(1);
    expect(delayTaskOptionsFromEnv({ REDIS_URL: 'redis://h:1/2' }).startLocalRedis).toBe(false);
  });

  it('reads every numeric variable', () => {
    const options = delayTaskOptionsFromEnv({
      DELAYTASK_CONCURRENCY: '16',
      DELAYTASK_LEASE_MS: '3000',
      DELAYTASK_WINDOW_MS: '500',
      DELAYTASK_CLOCK_SKEW_MS: '-2500',
    });
    expect(options).toMatchObject({
      concurrency: 16,
      leaseMs: 3000,
      windowMs: 500,
      clockSkewMs: -2500,
    });
  });

  it.each([
    ['DELAYTASK_CONCURRENCY', '0'],
    ['DELAYTASK_CONCURRENCY', 'many'],
    ['DELAYTASK_CONCURRENCY', '1.5'],
    ['DELAYTASK_LEASE_MS', '10'],
    ['DELAYTASK_PREFIX', 'has space'],
    ['DELAYTASK_PREFIX', '{tagged}'],
    ['DELAYTASK_CLOCK_SKEW_MS', '5s'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['REDIS_URL', 'redis://127.0.0.1:6379/x'],
  ])('rejects %s=%s naming the variable', (variable, value) => {
    expect(() => delayTaskOptionsFromEnv({ [variable]: value })).toThrow(InvalidEnvError);
    expect(() => delayTaskOptionsFromEnv({ [variable]: value })).toThrow(
      new RegExp(`^${variable}=.* is invalid: ${variable} accepts`),
    );
  });

  it('never echoes a Redis password in its errors', () => {
    expect(() => delayTaskOptionsFromEnv({ REDIS_URL: 'redis://:hunter2@h:6379/x' })).toThrow(
      /^(?!.*hunter2)/s,
    );
  });

  it('reads the optional HTTP port', () => {
    expect(httpPortFromEnv({})).toBeUndefined();
    expect(httpPortFromEnv({ DELAYTASK_HTTP_PORT: '8080' })).toBe(8080);
    expect(() => httpPortFromEnv({ DELAYTASK_HTTP_PORT: '70000' })).toThrow(/DELAYTASK_HTTP_PORT/);
  });
});

describe('Redis URL', () => {
  it('parses password and database index as the seed writes them', () => {
    expect(redisOptionsFromUrl('redis://:uestc12345@127.0.0.1:6379/4')).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      password: 'uestc12345',
      db: 4,
    });
  });

  it('redacts the password for logs', () => {
    expect(redactRedisUrl('redis://:uestc12345@127.0.0.1:6379/4')).toBe(
      'redis://:***@127.0.0.1:6379/4',
    );
    expect(redactRedisUrl('redis://user:p%40ss@h:1')).not.toMatch(/p%40ss|p@ss/);
    expect(redactRedisUrl('not a url :secret@')).toBe('<unparseable REDIS_URL>');
  });
});
