import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { redisOptionsFromUrl } from '../../src/store/redis-connection';
import { createRedisClient } from '../../src/store/redis-client';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/** A private certificate authority and a server certificate it signs for 127.0.0.1 (openssl). */
function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test CA'],
    ...['-keyout', file('ca.key'), '-out', file('ca.pem')],
  );
  openssl(
    ...['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1'],
    ...['-keyout', file('server.key'), '-out', file('server.csr')],
  );
  writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    ...['x509', '-req', '-in', file('server.csr'), '-days', '2', '-extfile', file('san.cnf')],
    ...['-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial'],
    ...['-out', file('server.pem')],
  );
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}

describe('TLS to Redis (real redis-server with --tls-port)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'delaytask-tls-'));
  const certificates = makeCertificates(dir);
  let server: RedisServerProcess;
  const clients: Redis[] = [];

  const client = (caFile?: string): Redis => {
    const options = redisOptionsFromUrl(`rediss://127.0.0.1:${server.tlsPort}/2`, caFile);
    const created = createRedisClient({ ...options, lazyConnect: true, retryStrategy: () => null });
    created.on('error', () => undefined);
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await RedisServerProcess.start({ tls: certificates });
  });

  afterAll(async () => {
    for (const created of clients) created.disconnect();
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with rediss:// when the CA file signs the server certificate, in the URL database', async () => {
    const redis = client(certificates.caFile);
    await redis.connect();
    expect(await redis.client('INFO')).toMatch(/ db=2 /);
  });

  it('refuses a server whose certificate no default authority signs, without the CA file', async () => {
    const redis = client();
    const failure = new Promise<Error>((resolve) => redis.once('error', resolve));
    await expect(redis.connect()).rejects.toThrow();
    expect((await failure).message).toMatch(/self[- ]signed|unable to (get|verify)/i);
  });

  it('stops the service at start, naming REDIS_CA_FILE, when the file cannot be read', async () => {
    const service = new ServiceProcess({
      REDIS_URL: `rediss://127.0.0.1:${server.tlsPort}`,
      REDIS_CA_FILE: join(dir, 'missing.pem'),
    });
    await expect(service.start(15_000)).rejects.toThrow(/service exited before logging/);
    expect(await service.stop()).toBe(1);
    expect(service.logs).toMatch(/REDIS_CA_FILE=".*missing\.pem" is invalid: .*ENOENT/);
  });
});
