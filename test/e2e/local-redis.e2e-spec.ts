import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { redisAnswers, startLocalRedis } from '../../src/service/local-redis-server';
import { freePort } from '../support/redis-server';

describe('local redis-server fallback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'delaytask-local-redis-'));
  const logger = new Logger('test');
  let port = 0;

  beforeAll(async () => {
    port = await freePort();
  });

  afterAll(() => {
    if (port) {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts a daemonised redis-server with append-only persistence when nothing answers', async () => {
    const options = { host: '127.0.0.1', port };
    expect(await redisAnswers(options)).toBe(false);
    const log = jest.spyOn(logger, 'log').mockImplementation(() => undefined);
    await startLocalRedis(options, dir, logger);
    expect(await redisAnswers(options)).toBe(true);
    expect(log).toHaveBeenCalledWith(
      expect.stringMatching(/started a local redis-server .*append-only/),
    );
    expect(existsSync(join(dir, 'redis.pid'))).toBe(true);
    const config = execFileSync('redis-cli', ['-p', String(port), 'config', 'get', 'appendonly']);
    expect(config.toString()).toMatch(/yes/);
    expect(readdirSync(dir).some((name) => name.startsWith('appendonly'))).toBe(true);
  });

  it('says how to install redis-server when there is none on the PATH', async () => {
    const missing = join(dir, 'no-such-redis-server');
    await expect(startLocalRedis({ port: await freePort() }, dir, logger, missing)).rejects.toThrow(
      /no redis-server on the PATH.*apt-get install redis-server.*REDIS_URL/s,
    );
  });
});
