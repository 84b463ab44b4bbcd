import Redis from 'ioredis';
import { PingServer } from './ping-server';
import { RedisServerProcess, type RedisServerOptions } from './redis-server';
import type { ServiceProcess } from './service-process';

/**
 * What the e2e specs that run built service instances share: one redis-server and one ping server
 * for the file, a key space of its own per test (`<label><n>-<pid>:`, so that no test claims or
 * counts another's leftovers), the ping server's delay back to 0, and every instance a test
 * started stopped after it. `Fleet.use` registers the Jest hooks; tests read the fields.
 */
export class Fleet {
  redisServer!: RedisServerProcess;
  redis!: Redis;
  ping!: PingServer;
  /** The instances this test started (push them here): stopped after it. */
  instances: ServiceProcess[] = [];
  /** This test's key prefix. */
  prefix = '';

  static use(label: string, redisOptions: RedisServerOptions = {}): Fleet {
    const fleet = new Fleet();
    let tests = 0;
    beforeAll(async () => {
      fleet.redisServer = await RedisServerProcess.start(redisOptions);
      fleet.redis = new Redis(fleet.redisServer.url);
      fleet.ping = new PingServer();
      await fleet.ping.start();
    });
    beforeEach(() => {
      fleet.prefix = `${label}${++tests}-${process.pid}:`;
      fleet.ping.delayMs = 0;
    });
    afterEach(async () => {
      await Promise.all(fleet.instances.map((instance) => instance.stop()));
      fleet.instances = [];
    });
    afterAll(async () => {
      fleet.redis?.disconnect();
      await fleet.ping?.stop();
      await fleet.redisServer?.dispose();
    });
    return fleet;
  }

  /** This test's task channel. */
  channel(): string {
    return `${this.prefix}messageQ`;
  }

  /** A key of this test's prefix (one partition). */
  key(name: string): string {
    return `{${this.prefix}}${name}`;
  }
}
