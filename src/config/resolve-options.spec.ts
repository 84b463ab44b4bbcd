import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOptions } from './default-options';
import { InvalidOptionError } from './errors/invalid-option.error';
import { UnknownOptionError } from './errors/unknown-option.error';
import { resolveDelayTaskOptions } from './resolve-options';

/** The defaults but the one drawn at random per process. */
const withoutInstanceId = ({ instanceId: _, ...rest }: object & { instanceId?: unknown }): object =>
  rest;

describe('resolveDelayTaskOptions', () => {
  it('gives every default when no option is given, and the defaults obey the rules', () => {
    expect(withoutInstanceId(resolveDelayTaskOptions({}))).toEqual(
      withoutInstanceId(defaultOptions()),
    );
  });

  it.each([undefined, null, ''])('reads an option given as %p as its default', (absent) => {
    const options = resolveDelayTaskOptions({
      redisUrl: absent,
      concurrency: absent,
      prefix: absent,
    });
    expect(options.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(options.concurrency).toBe(defaultOptions().concurrency);
    expect(options.prefix).toBe('remote-task0:');
  });

  it('keeps the options given over the defaults', () => {
    const options = resolveDelayTaskOptions({ concurrency: 3, topic: 'jobs', leaseMs: 900 });
    expect(options).toMatchObject({ concurrency: 3, topic: 'jobs', leaseMs: 900, windowMs: 2000 });
  });

  it('reads decimal text as a number, as config.get gives an unvalidated variable', () => {
    expect(resolveDelayTaskOptions({ concurrency: '16' }).concurrency).toBe(16);
    expect(() => resolveDelayTaskOptions({ concurrency: '16 cores' })).toThrow(InvalidOptionError);
  });

  it('refuses concurrency 0, which would never run anything', () => {
    expect(() => resolveDelayTaskOptions({ concurrency: 0 })).toThrow(
      'DelayTaskModule option concurrency=0 is invalid: concurrency accepts a whole number from 1 to 10000.',
    );
  });

  it('refuses an option it does not have, naming the closest one', () => {
    expect(() => resolveDelayTaskOptions({ concurency: 4 })).toThrow(UnknownOptionError);
    expect(() => resolveDelayTaskOptions({ concurency: 4 })).toThrow(
      'DelayTaskModule has no option concurency; did you mean concurrency?',
    );
    expect(() => resolveDelayTaskOptions({ startLocalRedis: true })).toThrow(
      /no option startLocalRedis/,
    );
  });

  it.each([
    ['http://:hunter2@127.0.0.1:6379', /unsupported scheme "http:"/],
    ['redis://:hunter2@127.0.0.1:6379/x', /database index "x"/],
    ['redis://:hunter2@127.0.0.1:port', /Invalid URL/],
  ])('refuses redisUrl %s, saying why without the password', (redisUrl, why) => {
    const resolve = (): unknown => resolveDelayTaskOptions({ redisUrl });
    expect(resolve).toThrow(
      /^DelayTaskModule option redisUrl=".*" is invalid: redisUrl accepts a redis:\/\//,
    );
    expect(resolve).toThrow(why);
    expect(resolve).not.toThrow(/hunter2/);
  });

  it('accepts a TLS URL with a PEM file of certificate authorities, and refuses it without TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaytask-ca-'));
    try {
      const caFile = join(dir, 'ca.pem');
      writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const tls = { redisUrl: 'rediss://:hunter2@redis.example:6380', redisCaFile: caFile };
      expect(resolveDelayTaskOptions(tls).redisCaFile).toBe(caFile);
      expect(() => resolveDelayTaskOptions({ redisCaFile: caFile })).toThrow(
        /^DelayTaskModule option redisCaFile=.*\(only used with a rediss:\/\/ Redis URL\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
