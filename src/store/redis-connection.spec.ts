import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisOptionsFromUrl } from './redis-connection';

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
