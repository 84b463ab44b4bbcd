import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { redisConnection, redisOptionsFromUrl } from './redis-connection';

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

describe('redisConnection', () => {
  it('opens a cluster for REDIS_CLUSTER_NODES: masters only, credentials to ioredis, no db', () => {
    const connection = redisConnection({
      redisUrl: 'redis://ignored:1',
      redisClusterNodes: 'redis://app:hunter2@10.0.0.1:7000,10.0.0.2:7001',
    });
    expect(connection.cluster).toBe(true);
    if (!connection.cluster) return;
    expect(connection.nodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
    expect(connection.server).toBe('redis://app:***@10.0.0.1:7000,10.0.0.2:7001 (cluster)');
    expect(connection.options).toMatchObject({
      scaleReads: 'master',
      enableOfflineQueue: true,
      redisOptions: { username: 'app', password: 'hunter2', tls: undefined },
    });
    expect(connection.options.redisOptions?.db).toBeUndefined();
    const retry = connection.options.clusterRetryStrategy!;
    expect([1, 5, 100].map((times) => retry(times))).toEqual([100, 500, 2000]);
  });

  it('finds the master of a sentinel URL through the sentinels, with the handshake', () => {
    const connection = redisConnection({
      redisUrl: 'redis+sentinel://:hunter2@10.0.0.1:26379,10.0.0.2:26379/main/3',
    });
    expect(connection).toMatchObject({
      cluster: false,
      server: 'redis+sentinel://:***@10.0.0.1:26379,10.0.0.2:26379/main/3',
      options: {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '10.0.0.2', port: 26379 },
        ],
        name: 'main',
      },
    });
    if (connection.cluster) return;
    // Credentials and database go to the connector, as with redis://.
    expect(connection.options.password).toBeUndefined();
    expect(connection.options.db).toBeUndefined();
    expect(connection.options.Connector).toEqual(expect.any(Function));
  });

  it('looks again at a Redis loading its data every 100 ms, not after its whole loading estimate (single, sentinel, cluster)', () => {
    const single = redisConnection({ redisUrl: 'redis://10.0.0.1:6379' });
    const sentinel = redisConnection({ redisUrl: 'redis+sentinel://10.0.0.1:26379/main' });
    const cluster = redisConnection({ redisUrl: '', redisClusterNodes: '10.0.0.1:7000' });
    expect(single.cluster || single.options.maxLoadingRetryTime).toBe(100);
    expect(sentinel.cluster || sentinel.options.maxLoadingRetryTime).toBe(100);
    expect(cluster.cluster && cluster.options.redisOptions?.maxLoadingRetryTime).toBe(100);
  });

  it('uses TLS to the sentinels and the master with rediss+sentinel://', () => {
    const { options } = redisConnection({ redisUrl: 'rediss+sentinel://h:1/m' }) as {
      options: RedisOptions;
    };
    expect(options).toMatchObject({ tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true });
  });
});
