import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidEnvError } from './errors/invalid-env.error';
import { delayTaskOptionsFromEnv } from './options-from-environment';
import { validateDelayTaskEnvironment } from './validate-environment';

/** Validates with a logger that keeps the warnings. */
function validated(env: Record<string, string | undefined>): {
  environment: Record<string, unknown>;
  warnings: string[];
} {
  const warnings: string[] = [];
  const environment = validateDelayTaskEnvironment(env, {
    warn: (message: string) => warnings.push(message),
  });
  return { environment, warnings };
}

describe('validateDelayTaskEnvironment', () => {
  it('converts the variables it knows and keeps every other one as it is', () => {
    const { environment } = validated({
      DELAYTASK_CONCURRENCY: '16',
      DELAYTASK_CLOCK_SKEW_MS: '-2500',
      DELAYTASK_PREFIX: 'tenant:',
      PATH: '/usr/bin',
    });
    expect(environment).toMatchObject({
      DELAYTASK_CONCURRENCY: 16,
      DELAYTASK_CLOCK_SKEW_MS: -2500,
      DELAYTASK_PREFIX: 'tenant:',
      PATH: '/usr/bin',
    });
  });

  it('counts an empty variable as unset, as .env.example leaves them', () => {
    const { environment } = validated({ DELAYTASK_CONCURRENCY: '', REDIS_URL: '' });
    expect(environment.DELAYTASK_CONCURRENCY).toBeUndefined();
    expect(environment.REDIS_URL).toBeUndefined();
  });

  it('warns of an unknown DELAYTASK_ variable, naming the closest known one', () => {
    const { warnings } = validated({
      DELAYTASK_CONCURENCY: '4',
      DELAYTASK_PING_ALOW: 'example.com',
      DELAYTASK_PING_ALLOW: 'example.com',
      REDIS_HOST: 'elsewhere',
      HOME: '/root',
    });
    expect(warnings).toEqual([
      'DELAYTASK_CONCURENCY is not a variable of the service and is ignored; did you mean DELAYTASK_CONCURRENCY?',
      'DELAYTASK_PING_ALOW is not a variable of the service and is ignored; did you mean DELAYTASK_PING_ALLOW?',
    ]);
  });

  it('warns of nothing when every variable is known', () => {
    expect(validated({ DELAYTASK_HTTP_PORT: '8080', REDIS_URL: 'redis://h:1/2' }).warnings).toEqual(
      [],
    );
  });

  it.each([
    ['http://:hunter2@127.0.0.1:6379', /unsupported scheme "http:"/],
    ['redis://:hunter2@127.0.0.1:6379/x', /database index "x"/],
    ['redis://user:hunter2@127.0.0.1:port', /Invalid URL/],
  ])('refuses REDIS_URL=%s, saying why without the password', (url, why) => {
    const read = (): unknown => validated({ REDIS_URL: url });
    expect(read).toThrow(InvalidEnvError);
    expect(read).toThrow(
      /^REDIS_URL=".*" is invalid: REDIS_URL accepts a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(read).toThrow(why);
    expect(read).not.toThrow(/hunter2/);
  });

  it('reports the first bad variable in the order of the settings', () => {
    expect(() => validated({ DELAYTASK_LEASE_MS: '10', DELAYTASK_PREFIX: '{x}' })).toThrow(
      /^DELAYTASK_PREFIX=/,
    );
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
    const { environment } = validated({ REDIS_URL: tlsUrl, REDIS_CA_FILE: pemFile });
    expect(environment.REDIS_CA_FILE).toBe(pemFile);
  });

  it.each([
    ['a missing file', join(dir, 'missing.pem'), tlsUrl, /ENOENT/],
    ['a folder', dir, tlsUrl, /EISDIR/],
    ['a file without a PEM certificate', notPemFile, tlsUrl, /holds no PEM certificate/],
    ['a plain redis:// URL', pemFile, 'redis://:hunter2@127.0.0.1:6379', /with a rediss:\/\//],
    ['no REDIS_URL', pemFile, undefined, /with a rediss:\/\//],
  ])('refuses %s, naming the variable and why', (_case, file, url, why) => {
    const read = (): unknown => validated({ REDIS_URL: url, REDIS_CA_FILE: file });
    expect(read).toThrow(InvalidEnvError);
    expect(read).toThrow(/^REDIS_CA_FILE=.* is invalid: REDIS_CA_FILE accepts a readable PEM file/);
    expect(read).toThrow(why);
    expect(read).not.toThrow(/hunter2/);
  });
});

describe('Redis Cluster and Sentinel', () => {
  it('refuses REDIS_CLUSTER_NODES with a database, naming the variable, without the password', () => {
    const read = (): unknown =>
      validateDelayTaskEnvironment(
        { REDIS_CLUSTER_NODES: 'redis://:hunter2@10.0.0.1:7000,10.0.0.2:7000/2' },
        { warn: () => undefined },
      );
    expect(read).toThrow(InvalidEnvError);
    expect(read).toThrow(
      /^REDIS_CLUSTER_NODES="redis:\/\/:\*\*\*@10\.0\.0\.1:7000,10\.0\.0\.2:7000\/2" is invalid/,
    );
    expect(read).toThrow(/a Redis Cluster has only database 0/);
    expect(read).not.toThrow(/hunter2/);
  });

  it('refuses a sentinel URL without a master name, naming REDIS_URL', () => {
    const read = (): unknown =>
      validateDelayTaskEnvironment(
        { REDIS_URL: 'redis+sentinel://:hunter2@10.0.0.1:26379' },
        { warn: () => undefined },
      );
    expect(read).toThrow(/^REDIS_URL=".*" is invalid: .*master name is missing/);
    expect(read).not.toThrow(/hunter2/);
  });

  it('on a cluster, spreads tasks over 16 partitions and waits for a replica by default', () => {
    const options = delayTaskOptionsFromEnv({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' });
    expect(options).toMatchObject({ partitions: 16, replicaAcks: 1 });
    const given = delayTaskOptionsFromEnv({
      REDIS_CLUSTER_NODES: '127.0.0.1:7000',
      DELAYTASK_PARTITIONS: '4',
      DELAYTASK_REPLICA_ACKS: '0',
    });
    expect(given).toMatchObject({ partitions: 4, replicaAcks: 0 });
    expect(delayTaskOptionsFromEnv({})).toMatchObject({ partitions: 1, replicaAcks: 0 });
  });

  it('takes REDIS_CA_FILE with rediss:// cluster nodes or a rediss+sentinel:// URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaytask-ca-'));
    try {
      const pem = join(dir, 'ca.pem');
      writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
      const quiet = { warn: () => undefined };
      expect(
        validateDelayTaskEnvironment(
          { REDIS_CLUSTER_NODES: 'rediss://a:1', REDIS_CA_FILE: pem },
          quiet,
        ).REDIS_CA_FILE,
      ).toBe(pem);
      expect(
        validateDelayTaskEnvironment(
          { REDIS_URL: 'rediss+sentinel://a:1/m', REDIS_CA_FILE: pem },
          quiet,
        ).REDIS_CA_FILE,
      ).toBe(pem);
      expect(() =>
        validateDelayTaskEnvironment({ REDIS_CLUSTER_NODES: 'a:1', REDIS_CA_FILE: pem }, quiet),
      ).toThrow(/^REDIS_CA_FILE=/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
