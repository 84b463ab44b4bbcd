import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/**
 * The service's configuration as an operator meets it: the environment and a .env file of the
 * working directory, checked at start (the built service as a child process, a real redis-server).
 */
describe('the service configuration (real redis-server, built service process)', () => {
  let redisServer: RedisServerProcess;
  let redis: Redis;
  let service: ServiceProcess | undefined;
  // The service reads .env from its working directory, which it inherits from this process.
  const workDir = mkdtempSync(join(tmpdir(), 'delaytask-config-'));
  const startDir = process.cwd();

  beforeAll(async () => {
    redisServer = await RedisServerProcess.start();
    redis = new Redis(redisServer.url);
    process.chdir(workDir);
  });

  afterEach(async () => {
    await service?.stop();
    service = undefined;
    rmSync(join(workDir, '.env'), { force: true });
  });

  afterAll(async () => {
    process.chdir(startDir);
    rmSync(workDir, { recursive: true, force: true });
    redis?.disconnect();
    await redisServer?.dispose();
  });

  /** Connections the redis-server has accepted so far, this test's own included. */
  async function connectionsReceived(): Promise<number> {
    return Number(/total_connections_received:(\d+)/.exec(await redis.info('stats'))?.[1]);
  }

  /** Starts the service, expecting it to exit 1 before it is ready; returns its log. */
  async function failedStart(env: Record<string, string>): Promise<string> {
    service = new ServiceProcess(env);
    await expect(service.start(15_000)).rejects.toThrow(/service exited before logging/);
    expect(await service.stop()).toBe(1);
    return service.logs;
  }

  it('stops at once on a bad value, naming the variable and its range, before connecting', async () => {
    const before = await connectionsReceived();
    const logs = await failedStart({ REDIS_URL: redisServer.url, DELAYTASK_LEASE_MS: '10' });
    expect(logs).toMatch(
      'DELAYTASK_LEASE_MS="10" is invalid: DELAYTASK_LEASE_MS accepts a whole number of ms from 500 to 3600000 (1 h).',
    );
    expect(logs).not.toMatch(/NestFactory|ExceptionHandler|Unhandled/);
    expect(await connectionsReceived()).toBe(before);
  });

  it('names a bad REDIS_URL without its password', async () => {
    const logs = await failedStart({
      REDIS_URL: `redis://:hunter2@127.0.0.1:${redisServer.port}/x`,
    });
    expect(logs).toMatch(/REDIS_URL="redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/x" is invalid/);
    expect(logs).not.toMatch(/hunter2/);
  });

  it('warns of a misspelt variable, naming the one meant, and starts with the others', async () => {
    service = new ServiceProcess({
      REDIS_URL: redisServer.url,
      DELAYTASK_CONCURENCY: '4',
      DELAYTASK_PREFIX: 'config-typo:',
    });
    await service.start();
    expect(service.logs).toMatch(
      'DELAYTASK_CONCURENCY is not a variable of the service and is ignored; did you mean DELAYTASK_CONCURRENCY?',
    );
    expect(service.logs).toMatch('Ready: subscribed to config-typo:messageQ');
  });

  it('reads .env, the environment winning over it, and checks and warns of its variables too', async () => {
    writeFileSync(
      join(workDir, '.env'),
      'DELAYTASK_PREFIX=from-file:\nDELAYTASK_TOPIC=fileTopic\nDELAYTASK_TOPICK=x\n',
    );
    service = new ServiceProcess({ REDIS_URL: redisServer.url, DELAYTASK_PREFIX: 'from-env:' });
    await service.start();
    expect(service.logs).toMatch('Ready: subscribed to from-env:fileTopic');
    expect(service.logs).toMatch('DELAYTASK_TOPICK is not a variable of the service');
    await service.stop();

    writeFileSync(join(workDir, '.env'), 'DELAYTASK_WINDOW_MS=5\n');
    const logs = await failedStart({ REDIS_URL: redisServer.url });
    expect(logs).toMatch('DELAYTASK_WINDOW_MS="5" is invalid');
  });

  it('hands .env variables read elsewhere to their module (the ping allow-list)', async () => {
    writeFileSync(join(workDir, '.env'), 'DELAYTASK_PING_ALLOW=http://example.com/\n');
    const logs = await failedStart({ REDIS_URL: redisServer.url });
    expect(logs).toMatch(/DELAYTASK_PING_ALLOW="http:\/\/example\.com\/" is invalid/);
  });
});
