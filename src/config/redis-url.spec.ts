import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRedisUrl, redactRedisUrl, redisOptionsFromUrl } from './redis-url';

describe('Redis URL', () => {
  it('parses password and database index as the seed writes them', () => {
    expect(parseRedisUrl('redis://:uestc12345@127.0.0.1:6379/4')).toEqual({
      host: '127.0.0.1',
      port: 6379,
      username: undefined,
      password: 'uestc12345',
      db: 4,
      tls: false,
    });
    expect(parseRedisUrl('rediss://user:p%40ss@[::1]')).toMatchObject({
      host: '::1',
      port: 6379,
      username: 'user',
      password: 'p@ss',
      db: 0,
      tls: true,
    });
  });

  it('refuses other schemes and database indexes that are not whole numbers', () => {
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/unsupported scheme "http:"/);
    expect(() => parseRedisUrl('redis://127.0.0.1:6379/x')).toThrow(/database index "x"/);
  });

  it('redacts the password for logs', () => {
    expect(redactRedisUrl('redis://:uestc12345@127.0.0.1:6379/4')).toBe(
      'redis://:***@127.0.0.1:6379/4',
    );
    expect(redactRedisUrl('redis://user:p%40ss@h:1')).not.toMatch(/p%40ss|p@ss/);
    expect(redactRedisUrl('not a url :secret@')).toBe('<unparseable REDIS_URL>');
  });
});

describe('redisOptionsFromUrl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'delaytask-ca-'));
  const caFile = join(dir, 'ca.pem');
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  writeFileSync(caFile, pem);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves credentials and database to its connector, so ioredis never sends them itself', () => {
    const options = redisOptionsFromUrl('redis://user:secret@10.0.0.7:6390/4');
    expect(options).toMatchObject({ host: '10.0.0.7', port: 6390, tls: undefined });
    expect(options.password).toBeUndefined();
    expect(options.username).toBeUndefined();
    expect(options.db).toBeUndefined();
    expect(options.Connector).toEqual(expect.any(Function));
  });

  it('trusts the default certificate authorities with rediss://, or the one in the CA file', () => {
    expect(redisOptionsFromUrl('rediss://redis.example:6380').tls).toEqual({});
    const tls = redisOptionsFromUrl('rediss://redis.example:6380', caFile).tls;
    expect(tls?.ca?.toString()).toBe(pem);
  });

  it('refuses a CA file without TLS, or one that cannot be read', () => {
    expect(() => redisOptionsFromUrl('redis://redis.example', caFile)).toThrow(/rediss:\/\//);
    expect(() => redisOptionsFromUrl('rediss://redis.example', join(dir, 'none.pem'))).toThrow(
      /ENOENT.*none\.pem/,
    );
  });
});
