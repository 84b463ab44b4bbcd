import { lastValueFrom } from 'rxjs';
import Redis from 'ioredis';
import { DelayTaskClient } from '../../src/client/delay-task.client';
import { TaskRejectedError } from '../../src/client/task-rejected.error';
import { PingServer } from '../support/ping-server';
import { eventually, unixSeconds } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/**
 * Issue 9: the stream inbox and the Nest client. Tasks added while no instance runs wait in the
 * stream; entries a dead instance read are taken over; a flood waits in Redis, not in memory;
 * `emit` completes once Redis holds the task, `send('schedule')` answers.
 */
const PREFIX = 'stream:';
const STREAM = `${PREFIX}messageQ`;
const GROUP = 'delaytask';

let redisServer: RedisServerProcess;
let redis: Redis;
let ping: PingServer;
const services: ServiceProcess[] = [];

function service(env: Record<string, string> = {}): ServiceProcess {
  const started = new ServiceProcess({
    REDIS_URL: redisServer.url,
    DELAYTASK_PREFIX: PREFIX,
    DELAYTASK_STREAM_CLAIM_IDLE_MS: '1000',
    ...env,
  });
  services.push(started);
  return started;
}

async function stopAll(): Promise<void> {
  await Promise.all(services.splice(0).map((s) => s.stop()));
}

function pingTask(key: string, dueMs: number, id?: string): string {
  return JSON.stringify({
    ...(id === undefined ? {} : { ID: id }),
    Name: 'OncePingTask',
    ToRunAt: unixSeconds(dueMs),
    Url: ping.url(key),
  });
}

async function add(texts: readonly string[]): Promise<void> {
  for (let i = 0; i < texts.length; i += 5000) {
    const pipeline = redis.pipeline();
    for (const text of texts.slice(i, i + 5000)) pipeline.xadd(STREAM, '*', 'task', text);
    await pipeline.exec();
  }
}

beforeAll(async () => {
  redisServer = await RedisServerProcess.start({ appendonly: true });
  redis = new Redis(redisServer.url);
  ping = new PingServer();
  await ping.start();
});

afterAll(async () => {
  await stopAll();
  redis?.disconnect();
  await ping?.stop();
  await redisServer?.dispose();
});

afterEach(async () => {
  await stopAll();
  await redis.flushall();
  ping.hits.length = 0;
});

it('runs every task added while no instance ran exactly once, two instances sharing them', async () => {
  const dueMs = Date.now() + 8000;
  const texts = Array.from({ length: 10_000 }, (_, i) =>
    i % 2 === 0
      ? pingTask(`id-${i}`, dueMs, String(9_000_000_000 + i))
      : pingTask(`anon-${i}`, dueMs),
  );
  await add(texts);

  await Promise.all([service().start(), service().start()]);
  await eventually(() => ping.hits.length >= 10_000, 'every task to run', 45_000);
  await new Promise((resolve) => setTimeout(resolve, 1000));

  const counts = ping.counts();
  expect(counts.size).toBe(10_000);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(await redis.xlen(STREAM)).toBe(0);
  const shares = services.map((s) => (s.logs.match(/OncePingTask/g) ?? []).length);
  expect(shares.every((share) => share > 0)).toBe(true);
}, 90_000);

it('takes over the entries an instance read and never acknowledged (it died mid-batch)', async () => {
  await redis.call('XGROUP', 'CREATE', STREAM, GROUP, '0', 'MKSTREAM');
  const dueMs = Date.now() + 3000;
  await add(Array.from({ length: 300 }, (_, i) => pingTask(`orphan-${i}`, dueMs)));
  // A consumer reads a batch and dies before it stores and acknowledges it.
  await redis.call(
    'XREADGROUP',
    'GROUP',
    GROUP,
    'dead-instance',
    'COUNT',
    300,
    'STREAMS',
    STREAM,
    '>',
  );
  expect(Number(((await redis.call('XPENDING', STREAM, GROUP)) as unknown[])[0])).toBe(300);

  await service().start();

  await eventually(() => ping.hits.length >= 300, 'the orphaned batch to run', 20_000);
  expect(ping.counts().size).toBe(300);
  expect(Number(((await redis.call('XPENDING', STREAM, GROUP)) as unknown[])[0])).toBe(0);
  expect(services[0].logs).toMatch(/Took over 300 stream entr/);
}, 40_000);

it('loses nothing when the instance is killed (SIGKILL) while it stores a backlog', async () => {
  const texts = Array.from({ length: 30_000 }, (_, i) =>
    JSON.stringify({
      ID: String(i + 1),
      Name: 'OncePingTask',
      ToRunAfter: '3600',
      Url: ping.url('far'),
    }),
  );
  await add(texts);
  const first = service({ DELAYTASK_STREAM_BATCH_SIZE: '500' });
  await first.start();
  await eventually(async () => (await redis.hlen(`{${PREFIX}}tasks`)) > 2000, 'some to be stored');
  await first.kill();

  await service().start();

  await eventually(
    async () => (await redis.hlen(`{${PREFIX}}tasks`)) === 30_000,
    'every task to be stored',
    40_000,
  );
  await eventually(async () => (await redis.xlen(STREAM)) === 0, 'the stream to be drained');
}, 90_000);

it('keeps a flood in Redis and accepts every entry at its own pace', async () => {
  const count = 1_000_000;
  const instance = service();
  await instance.start();
  const text = (i: number) =>
    `{"ID":"${i + 1}","Name":"OncePingTask","ToRunAfter":"86400","Url":"http://127.0.0.1:1/"}`;
  const started = Date.now();
  for (let i = 0; i < count; i += 10_000) {
    const pipeline = redis.pipeline();
    for (let j = i; j < i + 10_000; j++) pipeline.xadd(STREAM, '*', 'task', text(j));
    await pipeline.exec();
  }
  await eventually(
    async () => (await redis.hlen(`{${PREFIX}}tasks`)) === count,
    `all ${count} tasks to be accepted`,
    180_000,
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(`stream flood: ${count} entries added and accepted in ${seconds.toFixed(1)} s`);
  expect(await redis.xlen(STREAM)).toBe(0);
}, 240_000);

it('loses nothing and stores nothing twice when Redis restarts (AOF) in the middle of a flood', async () => {
  const count = 100_000;
  await service({ DELAYTASK_STREAM_BATCH_SIZE: '500' }).start();
  await add(
    Array.from({ length: count }, (_, i) =>
      JSON.stringify({
        ID: String(i + 1),
        Name: 'OncePingTask',
        ToRunAfter: '3600',
        Url: ping.url('far'),
      }),
    ),
  );
  await eventually(
    async () => (await redis.hlen(`{${PREFIX}}tasks`)) > 10_000,
    'part of it stored',
  );
  await redisServer.kill();
  await redisServer.restart();
  redis.disconnect();
  redis = new Redis(redisServer.url);

  await eventually(
    async () => (await redis.hlen(`{${PREFIX}}tasks`)) === count,
    'every task to be stored after the restart',
    60_000,
  );
  await eventually(async () => (await redis.xlen(STREAM)) === 0, 'the stream to be drained');
  expect(await redis.zcard(`{${PREFIX}}due`)).toBe(count);
}, 90_000);

it('dead-letters an entry without a task field, with the reason, and acknowledges it', async () => {
  await service().start();
  await redis.xadd(STREAM, '*', 'job', '{"Name":"OncePingTask"}');

  await eventually(async () => (await redis.llen(`{${PREFIX}}dead`)) === 1, 'the dead letter');
  const entry = JSON.parse((await redis.lindex(`{${PREFIX}}dead`, 0)) ?? '{}') as {
    reason: string;
    message: string;
  };
  expect(entry.reason).toMatch(/has no field "task" \(its fields: "job"\)/);
  expect(entry.message).toBe('{"job":"{\\"Name\\":\\"OncePingTask\\"}"}');
  await eventually(async () => (await redis.xlen(STREAM)) === 0, 'the entry to be deleted');
});

describe('the Nest client', () => {
  let client: DelayTaskClient;

  beforeEach(() => {
    client = new DelayTaskClient({ redisUrl: redisServer.url, prefix: PREFIX });
  });

  afterEach(async () => {
    await client.close();
  });

  it('emit completes once Redis holds the task, with no instance running; one then runs it', async () => {
    const entryId = await lastValueFrom(
      client.emit<string>(
        'any pattern',
        JSON.parse(pingTask('emitted', Date.now() + 1500)) as object,
      ),
    );

    expect(entryId).toMatch(/^\d+-\d+$/);
    expect(await redis.xlen(STREAM)).toBe(1);
    await service().start();
    await eventually(() => ping.count('emitted') === 1, 'the emitted task to run');
  });

  it('send answers stored, duplicate, rescheduled, completed, and refuses what ingest refuses', async () => {
    const send = (task: object) => lastValueFrom(client.send<unknown>('schedule', task));
    const due = Date.now() + 60_000;
    const task = {
      ID: '77',
      Name: 'OncePingTask',
      ToRunAt: unixSeconds(due),
      Url: ping.url('sent'),
    };

    expect(await send(task)).toEqual({ id: '77', status: 'stored' });
    expect(await send(task)).toEqual({ id: '77', status: 'duplicate' });
    const soon = { ...task, ToRunAt: unixSeconds(Date.now() + 500) };
    expect(await send(soon)).toEqual({ id: '77', status: 'rescheduled' });
    await expect(send({ Name: 'OncePingTask', Url: 'x' })).rejects.toEqual(
      new TaskRejectedError('ToRunAt or ToRunAfter is required'),
    );

    await service().start();
    await eventually(() => ping.count('sent') === 1, 'the sent task to run');
    await eventually(async () => (await redis.hexists(`{${PREFIX}}tasks`, '77')) === 0, 'done');
    expect(await send(soon)).toEqual({ id: '77', status: 'completed' });
    // The instance registered its task names: an unknown one is refused before anything is written.
    await expect(send({ ...task, ID: '78', Name: 'NoSuchTask' })).rejects.toEqual(
      new TaskRejectedError('unknown task name "NoSuchTask"'),
    );
    expect(await redis.hexists(`{${PREFIX}}tasks`, '78')).toBe(0);
  });
});
