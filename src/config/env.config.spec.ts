import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { delayTaskOptionsFromEnv, httpPortFromEnv } from './env.config';
import { InvalidEnvError } from './errors/invalid-env.error';

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

describe('REDIS_CA_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'delaytask-ca-'));
  const pemFile = join(dir, 'ca.pem');
  const notPemFile = join(dir, 'ca.txt');
  writeFileSync(pemFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  writeFileSync(notPemFile, 'not a certificate');
  const tlsUrl = 'rediss://:hunter2@redis.example:6380/1';

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is read with a rediss:// REDIS_URL', () => {
    expect(delayTaskOptionsFromEnv({ REDIS_URL: tlsUrl, REDIS_CA_FILE: pemFile }).redisCaFile).toBe(
      pemFile,
    );
    expect(delayTaskOptionsFromEnv({ REDIS_URL: tlsUrl }).redisCaFile).toBeUndefined();
  });

  it.each([
    ['a missing file', join(dir, 'missing.pem'), tlsUrl, /ENOENT/],
    ['a folder', dir, tlsUrl, /EISDIR/],
    ['a file without a PEM certificate', notPemFile, tlsUrl, /holds no PEM certificate/],
    ['a plain redis:// URL', pemFile, 'redis://127.0.0.1:6379', /with a rediss:\/\/ REDIS_URL/],
    ['no REDIS_URL', pemFile, undefined, /with a rediss:\/\/ REDIS_URL/],
  ])('refuses %s, naming the variable and why', (_case, file, url, why) => {
    const read = (): unknown => delayTaskOptionsFromEnv({ REDIS_URL: url, REDIS_CA_FILE: file });
    expect(read).toThrow(InvalidEnvError);
    expect(read).toThrow(/^REDIS_CA_FILE=.* is invalid: REDIS_CA_FILE accepts a readable PEM file/);
    expect(read).toThrow(why);
    expect(read).not.toThrow(/hunter2/);
  });
});
