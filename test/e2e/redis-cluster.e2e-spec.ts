import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { DelayTaskClient } from '../../src/client/delay-task.client';
import { AcknowledgedBurst } from '../support/acknowledged-burst';
import { PingServer } from '../support/ping-server';
import { eventually, unixSeconds } from '../support/publish';
import { freePort } from '../support/redis-server';
import { RedisClusterProcess } from '../support/redis-cluster';
import { ServiceProcess } from '../support/service-process';

/**
 * Issue 14: the built service on a local 6-node Redis Cluster (3 masters, 1 replica each,
 * cluster-node-timeout 1 s). Every door works (the seed's raw PUBLISH to any node, the stream
 * through the Nest client, send('schedule'), the admin API, the CLI), the keys of one prefix
 * land on every master, and a master SIGKILLed mid-burst loses no accepted task.
 */
const PREFIX = 'cluster-e2e:';
const CHANNEL = `${PREFIX}messageQ`;
const CLI = join(__dirname, '..', '..', 'dist', 'cli', 'main.js');

let cluster: RedisClusterProcess;
let ping: PingServer;
let httpPort: number;
const services: ServiceProcess[] = [];
const clients: DelayTaskClient[] = [];

function service(env: Record<string, string> = {}): ServiceProcess {
  const started = new ServiceProcess({
    REDIS_CLUSTER_NODES: cluster.seedNodes,
    DELAYTASK_PREFIX: PREFIX,
    DELAYTASK_HTTP_PORT: String(httpPort),
    DELAYTASK_LEASE_MS: '2000',
    ...env,
  });
  services.push(started);
  return started;
}

function client(): DelayTaskClient {
  const made = new DelayTaskClient({ redisClusterNodes: cluster.seedNodes, prefix: PREFIX });
  clients.push(made);
  return made;
}

function pingTask(id: string, dueMs: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ID: id,
    Name: 'OncePingTask',
    ToRunAt: unixSeconds(dueMs),
    Url: ping.url(id),
    ...extra,
  });
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_CLUSTER_NODES: cluster.seedNodes,
        DELAYTASK_PREFIX: PREFIX,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Keys of the prefix on each master, by the master's port. */
async function keysPerMaster(): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const master of await cluster.masters()) {
    const node = cluster.node(master.port).client();
    try {
      await node.connect();
      let [cursor, count] = ['0', 0];
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `*${PREFIX}*`, 'COUNT', 1000);
        [cursor, count] = [next, count + keys.length];
      } while (cursor !== '0');
      counts.set(master.port, count);
    } finally {
      node.disconnect();
    }
  }
  return counts;
}

beforeAll(async () => {
  cluster = await RedisClusterProcess.start({ nodeTimeoutMs: 1000 });
  ping = new PingServer();
  await ping.start();
  httpPort = await freePort();
}, 30_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await Promise.all(clients.map((c) => c.close()));
  await ping?.stop();
  await cluster?.stop();
});

it('runs once and periodic tasks from every door, and spreads the keys over every master', async () => {
  const instance = service();
  await instance.start();
  expect(instance.logs).toMatch(/Using Redis at 127\.0\.0\.1:\d+,.* \(cluster\)/);
  const soon = Date.now() + 1500;

  // The seed's way: a raw PUBLISH to one node reaches the subscriber on whichever node it is.
  const node = new Redis(cluster.ports[5]);
  await node.publish(CHANNEL, pingTask('pub-1', soon));
  await node.publish(
    CHANNEL,
    pingTask('periodic-1', soon, { Interval: '0.5', EndTime: unixSeconds(soon + 1600) }),
  );
  node.disconnect();
  // The stream, through the Nest client; and send('schedule'), answered once stored.
  const producer = client();
  await lastValueFrom(producer.emit('task', pingTask('stream-1', soon)));
  await expect(lastValueFrom(producer.send('schedule', pingTask('send-1', soon)))).resolves.toEqual(
    { id: 'send-1', status: 'stored' },
  );
  // The admin API.
  const posted = await fetch(`http://127.0.0.1:${httpPort}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: pingTask('http-1', soon),
  });
  expect(posted.status).toBe(201);

  await eventually(
    () => ['pub-1', 'stream-1', 'send-1', 'http-1'].every((id) => ping.counts().get(id) === 1),
    'every once task to run',
  );
  await eventually(() => (ping.counts().get('periodic-1') ?? 0) >= 4, 'the periodic runs');

  // The CLI reads the same state.
  const got = await cli(['get', 'send-1', '--json']);
  expect(got.code).toBe(0);
  expect(JSON.parse(got.stdout)).toMatchObject({ id: 'send-1', state: 'done' });
  const stats = await fetch(`http://127.0.0.1:${httpPort}/stats`);
  expect(((await stats.json()) as { done: number }).done).toBeGreaterThanOrEqual(4);

  // 300 tasks far ahead: 16 partitions (the cluster default) put keys on all three masters.
  const later = Date.now() + 3_600_000;
  for (let i = 0; i < 300; i += 100) {
    const batch = Array.from({ length: 100 }, (_, j) => pingTask(`later-${i + j}`, later));
    await Promise.all(batch.map((text) => lastValueFrom(producer.send('schedule', text))));
  }
  const spread = await keysPerMaster();
  expect(spread.size).toBe(3);
  for (const count of spread.values()) expect(count).toBeGreaterThan(0);
  expect(instance.logs).not.toMatch(/\bERROR\b/);
}, 60_000);

it('rides through a master SIGKILLed mid-burst: every accepted task runs', async () => {
  const [instance] = services.length > 0 ? services : [service()];
  if (!instance.running) await instance.start();
  const producer = client();
  // Tasks are sent one by one, each retried until stored: what was acknowledged must run.
  const burst = new AcknowledgedBurst(
    (id, dueMs) => lastValueFrom(producer.send('schedule', pingTask(id, dueMs))),
    Date.now() + 4000,
  );
  await burst.acknowledged(200, '200 accepted before the kill');
  const killed = await cluster.killMaster(0);
  await cluster.waitForFailover(killed);
  // The old master comes back as a replica, so that partitions moved to its heir have a replica
  // to acknowledge their accepts again.
  await cluster.restart(killed.port);
  await burst.acknowledged(200, '200 more accepted after the failover');
  await burst.stop();

  const twice = await burst.everyAcceptedRan(ping);
  expect(instance.running).toBe(true);
  // Nothing ran twice but what was in flight on the killed master (here, none was running).
  expect(twice.length).toBeLessThanOrEqual(5);
  console.log(
    `cluster failover: ${burst.accepted.size} accepted, ${burst.refused} sends refused during ` +
      `it, ${twice.length} ran twice`,
  );
}, 60_000);
