import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { DelayTaskClient } from '../../src/client/delay-task.client';
import { AcknowledgedBurst } from '../support/acknowledged-burst';
import { PingServer } from '../support/ping-server';
import { eventually, unixSeconds } from '../support/publish';
import { RedisSentinelProcess } from '../support/redis-sentinel';
import { ServiceProcess } from '../support/service-process';

/**
 * Issue 14: the built service on a master with two replicas under three sentinels, through a
 * `redis+sentinel://` REDIS_URL (database 3). The master SIGKILLed mid-burst: the service follows
 * the sentinels to the promoted replica without a restart, and with DELAYTASK_REPLICA_ACKS=1
 * every task whose accept was acknowledged runs.
 */
const PREFIX = 'sentinel-e2e:';
const DB = 3;

let setup: RedisSentinelProcess;
let ping: PingServer;
let instance: ServiceProcess;
let producer: DelayTaskClient;

function pingTask(id: string, dueMs: number): string {
  return JSON.stringify({
    ID: id,
    Name: 'OncePingTask',
    ToRunAt: unixSeconds(dueMs),
    Url: ping.url(id),
  });
}

beforeAll(async () => {
  setup = await RedisSentinelProcess.start({ replicas: 2, downAfterMs: 1000 });
  ping = new PingServer();
  await ping.start();
}, 30_000);

afterAll(async () => {
  await instance?.stop();
  await producer?.close();
  await ping?.stop();
  await setup?.stop();
});

it('runs tasks through a sentinel URL and loses no accepted task when the master is killed', async () => {
  instance = new ServiceProcess({
    REDIS_URL: setup.url(DB),
    DELAYTASK_PREFIX: PREFIX,
    DELAYTASK_REPLICA_ACKS: '1',
    DELAYTASK_LEASE_MS: '2000',
  });
  await instance.start();
  expect(instance.logs).toMatch(/Using Redis at redis\+sentinel:\/\/127\.0\.0\.1:\d+,.*\/main\/3/);

  // The seed's raw PUBLISH, on the master the sentinels name.
  const master = new Redis(await setup.masterPort());
  await master.publish(`${PREFIX}messageQ`, pingTask('pub-1', Date.now() + 500));
  master.disconnect();
  await eventually(() => ping.counts().get('pub-1') === 1, 'the published task to run');
  // Stored in the URL's database, not in 0.
  const db = new Redis({ port: await setup.masterPort(), db: DB });
  expect((await db.keys(`*${PREFIX}*`)).length).toBeGreaterThan(0);
  db.disconnect();

  producer = new DelayTaskClient({
    redisUrl: setup.url(DB),
    prefix: PREFIX,
    // Not among the client's typed options: the store reads it as the engine does.
    ...({ replicaAcks: 1 } as object),
  });
  const burst = new AcknowledgedBurst(
    (id, dueMs) => lastValueFrom(producer.send('schedule', pingTask(id, dueMs))),
    Date.now() + 4000,
  );
  await burst.acknowledged(200, '200 accepted before the kill');
  const killed = await setup.killMaster();
  const promoted = await setup.waitForPromotion(killed);
  await burst.acknowledged(200, '200 more after the promotion', 20_000);
  await burst.stop();

  const twice = await burst.everyAcceptedRan(ping);
  expect(instance.running).toBe(true);
  expect(twice.length).toBeLessThanOrEqual(5);
  console.log(
    `sentinel failover ${killed} -> ${promoted}: ${burst.accepted.size} accepted, ` +
      `${burst.refused} sends refused, ${twice.length} ran twice`,
  );
}, 60_000);
