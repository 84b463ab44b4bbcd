import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { ProbeEvent } from '../fixtures/probe-app';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { freePort, RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/**
 * Issue 10: the admin HTTP API, on two instances of the built service sharing one Redis (a task
 * asked about on one runs on the other), and on an app that embeds the engine and the admin module
 * (the probe app), whose handler fails on request, for retries.
 */
const PREFIX = 'admin:';
const PROBE_PREFIX = 'admin-probe:';
const TOKEN = 'e2e-admin-token-7f3a';
const MAX_MESSAGE_BYTES = 4096;
const PROBE_APP = join(__dirname, '..', 'fixtures', 'probe-app.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let nextId = 10_000_000_000_000;
const newId = (): string => String(nextId++);

interface Answer {
  status: number;
  /** The JSON answer, read loosely: each test states the fields it expects. */
  body: Record<string, unknown>;
  /** When the answer arrived. */
  at: number;
}

/** One instance's admin API. */
class AdminClient {
  constructor(
    readonly url: string,
    private readonly token?: string,
  ) {}

  /** The same instance, asked with another token, or none. */
  as(token?: string): AdminClient {
    return new AdminClient(this.url, token);
  }

  async call(method: string, path: string, body?: string): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await response.text();
    const parsed = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {};
    return { status: response.status, body: parsed, at: Date.now() };
  }

  schedule(task: Record<string, unknown> | string): Promise<Answer> {
    return this.call('POST', '/tasks', typeof task === 'string' ? task : JSON.stringify(task));
  }

  get(id: string): Promise<Answer> {
    return this.call('GET', `/tasks/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Promise<Answer> {
    return this.call('DELETE', `/tasks/${encodeURIComponent(id)}`);
  }

  requeue(id: string): Promise<Answer> {
    return this.call('POST', `/tasks/${encodeURIComponent(id)}/requeue`);
  }

  async state(id: string): Promise<unknown> {
    return (await this.get(id)).body.state;
  }
}

let redisServer: RedisServerProcess;
let redis: Redis;
let ping: PingServer;
let logDir: string;
const services: Record<'a' | 'b', ServiceProcess> = {} as Record<'a' | 'b', ServiceProcess>;
const admin: Record<'a' | 'b', AdminClient> = {} as Record<'a' | 'b', AdminClient>;
let probeApp: ServiceProcess;
let probeAdmin: AdminClient;
const probeLog = (): string => join(logDir, 'probe.jsonl');

beforeAll(async () => {
  redisServer = await RedisServerProcess.start();
  redis = new Redis(redisServer.url);
  ping = new PingServer();
  await ping.start();
  logDir = mkdtempSync(join(tmpdir(), 'delaytask-admin-'));
  const starts: Promise<void>[] = [];
  for (const name of ['a', 'b'] as const) {
    const port = await freePort();
    services[name] = new ServiceProcess({
      REDIS_URL: redisServer.url,
      DELAYTASK_PREFIX: PREFIX,
      DELAYTASK_INSTANCE_ID: `instance-${name}`,
      DELAYTASK_HTTP_PORT: String(port),
      DELAYTASK_HTTP_TOKEN: TOKEN,
      DELAYTASK_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    });
    admin[name] = new AdminClient(`http://127.0.0.1:${port}`, TOKEN);
    starts.push(services[name].start());
  }
  const probePort = await freePort();
  probeApp = new ServiceProcess(
    {
      REDIS_URL: redisServer.url,
      DELAYTASK_PREFIX: PROBE_PREFIX,
      DELAYTASK_HTTP_PORT: String(probePort),
      PROBE_LOG: probeLog(),
    },
    PROBE_APP,
  );
  probeAdmin = new AdminClient(`http://127.0.0.1:${probePort}`);
  starts.push(probeApp.start(60_000));
  await Promise.all(starts);
}, 90_000);

afterAll(async () => {
  await Promise.all([services.a?.stop(), services.b?.stop(), probeApp?.stop()]);
  redis?.disconnect();
  await ping?.stop();
  await redisServer?.dispose();
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

afterEach(() => {
  expect([services.a.running, services.b.running, probeApp.running]).toEqual([true, true, true]);
});

function pingTask(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ID: id,
    Name: 'OncePingTask',
    ToRunAt: unixSeconds(Date.now()),
    Timeout: '30',
    Url: ping.url(id),
    ...fields,
  };
}

/** The instance that holds the task's lease (`token|dueMs|owner`), named as in `services`. */
async function holderOf(id: string): Promise<'a' | 'b'> {
  const lease = await redis.hget(`{${PREFIX}}lease`, id);
  const owner = lease?.split('|')[2];
  if (owner !== 'instance-a' && owner !== 'instance-b') throw new Error(`lease of ${id}: ${lease}`);
  return owner === 'instance-a' ? 'a' : 'b';
}

describe('the service: access and the OpenAPI document', () => {
  it('answers 401 without the bearer token or with another one, and serves it with the token', async () => {
    for (const token of [undefined, `${TOKEN}-not`, '']) {
      const answer = await admin.a.as(token).call('GET', '/stats');
      expect(answer).toMatchObject({
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized' },
      });
      expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
    }
    const id = newId();
    expect((await admin.a.as().schedule(pingTask(id))).status).toBe(401);
    expect((await admin.a.as().cancel(id)).status).toBe(401);
    expect(await admin.a.state(id)).toBeUndefined();

    const stats = await admin.a.call('GET', '/stats');
    expect(stats.status).toBe(200);
    for (const key of ['pending', 'running', 'failed', 'done', 'cancelled', 'deadLetters']) {
      expect(Number.isSafeInteger(stats.body[key])).toBe(true);
    }
    expect(typeof stats.body.oldestDueLagMs).toBe('number');
    // GET /health is as it was: open.
    expect((await fetch(`${admin.a.url}/health`)).status).toBe(200);
  });

  it('serves an OpenAPI document of every route, and Swagger UI', async () => {
    const document = (await admin.b.as().call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual([
      'DELETE /tasks/{id}',
      'GET /stats',
      'GET /tasks',
      'GET /tasks/{id}',
      'POST /tasks',
      'POST /tasks/{id}/requeue',
    ]);
    const ui = await fetch(`${admin.b.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('the service: scheduling', () => {
  it('stores a task, and answers duplicate, rescheduled, a stale replay as duplicate', async () => {
    const id = newId();
    const first = pingTask(id, { ToRunAt: unixSeconds(Date.now() + 3_600_000) });
    const second = { ...first, ToRunAt: unixSeconds(Date.now() + 3_601_000) };
    expect(await admin.a.schedule(first)).toMatchObject({
      status: 201,
      body: { id, status: 'stored' },
    });
    expect((await admin.b.schedule(first)).body).toEqual({ id, status: 'duplicate' });
    expect((await admin.a.schedule(second)).body).toEqual({ id, status: 'rescheduled' });
    expect((await admin.b.schedule(first)).body).toEqual({ id, status: 'duplicate' });
    const task = await admin.a.get(id);
    expect(task.body.dueAt).toBe(new Date(Number(second.ToRunAt) * 1000).toISOString());
  });

  it('names a task sent without ID by its text, exactly as sent', async () => {
    const text = `{ "Name" : "OncePingTask",\n "ToRunAfter": "3600", "Url": "${ping.url('x')}" }`;
    const derived = `msg:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    expect((await admin.a.schedule(text)).body).toEqual({ id: derived, status: 'stored' });
    expect((await admin.a.get(derived)).body).toMatchObject({ id: derived, state: 'pending' });
    expect(await admin.a.cancel(derived)).toMatchObject({ status: 200 });
  });

  it("refuses a bad task with the channel's reason for it, and stores nothing", async () => {
    const bad = {
      noTime: JSON.stringify({ ID: newId(), Name: 'OncePingTask', Url: ping.url('x') }),
      unknownName: JSON.stringify({ ID: newId(), Name: 'NoSuchTask', ToRunAfter: '1' }),
      badInterval: JSON.stringify({ ...pingTask(newId()), Interval: 'soon' }),
      hugeNumber: `{"ID":"${newId()}","Name":"OncePingTask","ToRunAt":1e400,"Url":"x"}`,
    };
    const deadBefore = await redis.llen(`{${PREFIX}}dead`);
    const answers = await Promise.all(Object.values(bad).map((text) => admin.a.schedule(text)));
    expect(await redis.llen(`{${PREFIX}}dead`)).toBe(deadBefore);

    // The same texts on the channel: each instance dead-letters each one, with its reason.
    await publishRaw(redis, `${PREFIX}messageQ`, Object.values(bad));
    const reasons = new Map<string, string>();
    await eventually(async () => {
      for (const entry of await redis.lrange(`{${PREFIX}}dead`, 0, -1)) {
        const { message, reason } = JSON.parse(entry) as { message: string; reason: string };
        reasons.set(message, reason);
      }
      return Object.values(bad).every((text) => reasons.has(text));
    }, 'the dead letters of the bad tasks');
    Object.values(bad).forEach((text, i) => {
      expect(answers[i]).toMatchObject({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request' },
      });
      expect(answers[i].body.message).toBe(reasons.get(text));
    });
    expect(answers.map((answer) => answer.body.message)).toEqual([
      expect.stringMatching(/ToRunAt/),
      expect.stringMatching(/NoSuchTask/),
      expect.stringMatching(/Interval "soon"/),
      expect.stringMatching(/ToRunAt Infinity/),
    ]);
  });

  it('answers 400 to a body that is not JSON', async () => {
    expect(await admin.a.schedule(`{"ID":"${newId()}","Name":`)).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request' },
    });
  });

  it('answers 413 to a body larger than DELAYTASK_MAX_MESSAGE_BYTES', async () => {
    const big = pingTask(newId(), { Padding: 'x'.repeat(MAX_MESSAGE_BYTES) });
    expect((await admin.a.schedule(big)).status).toBe(413);
  });
});

describe('the service: each state, and cancelling', () => {
  it('cancels a pending task through either instance: it never runs', async () => {
    const id = newId();
    const dueMs = Date.now() + 1500;
    await admin.a.schedule(pingTask(id, { ToRunAt: unixSeconds(dueMs) }));
    expect((await admin.b.get(id)).body).toEqual({
      id,
      name: 'OncePingTask',
      state: 'pending',
      dueAt: new Date(dueMs).toISOString(),
      attempt: 0,
      payload: { Url: ping.url(id) },
    });

    const cancelled = await admin.b.cancel(id);
    expect(cancelled).toMatchObject({ status: 200, body: { id, state: 'cancelled' } });
    await sleep(dueMs + 1000 - Date.now());
    expect(ping.count(id)).toBe(0);
    expect((await admin.a.get(id)).body).toMatchObject({ state: 'cancelled', attempt: 0 });
  });

  it("aborts a running task's signal within 1 s when another instance is asked to cancel it", async () => {
    const id = newId();
    ping.delayMs = 30_000;
    try {
      await admin.a.schedule(pingTask(id));
      await eventually(() => ping.count(id) === 1, 'the task to start');
      expect((await admin.b.get(id)).body).toMatchObject({ state: 'running', attempt: 1 });
      const runner = await holderOf(id);
      const other = runner === 'a' ? 'b' : 'a';

      const askedAt = Date.now();
      const cancelled = await admin[other].cancel(id);
      expect(cancelled).toMatchObject({ status: 200, body: { id, state: 'cancelled' } });
      const hit = ping.hits.find((candidate) => candidate.key === id)!;
      await eventually(() => hit.abortedAt !== undefined, 'the ping to be hung up', 2000);
      expect(hit.abortedAt! - askedAt).toBeLessThan(1000);
      expect(await admin[runner].state(id)).toBe('cancelled');
    } finally {
      ping.delayMs = 0;
    }
    await sleep(500);
    expect(ping.count(id)).toBe(1);
  });

  it('cancels a periodic task: no further occurrence', async () => {
    const id = newId();
    const task = { ...pingTask(id), Name: 'PeriodPingTask', Interval: '0.3' };
    await admin.a.schedule(task);
    await eventually(() => ping.count(id) >= 2, 'two occurrences');

    const cancelled = await admin.b.cancel(id);
    expect(cancelled).toMatchObject({
      status: 200,
      body: { id, state: 'cancelled', interval: 0.3 },
    });
    await sleep(1200);
    // A run that had started before the cancel may reach the server a moment after the answer.
    const later = ping.hits.filter((hit) => hit.key === id && hit.at > cancelled.at + 100);
    expect(later).toEqual([]);
  });

  it('shows a done task; cancelling it is a conflict, and sending it again is completed', async () => {
    const id = newId();
    const task = pingTask(id);
    await admin.a.schedule(task);
    await eventually(async () => (await admin.b.state(id)) === 'done', 'the task to be done');
    expect((await admin.b.get(id)).body).toMatchObject({
      id,
      name: 'OncePingTask',
      state: 'done',
      finishedAt: expect.any(String) as unknown,
      payload: { Url: ping.url(id) },
    });
    expect(await admin.a.cancel(id)).toMatchObject({
      status: 409,
      body: { statusCode: 409, error: 'Conflict' },
    });
    expect((await admin.b.schedule(task)).body).toEqual({ id, status: 'completed' });
    expect(ping.count(id)).toBe(1);
  });

  it('shows a failed task with its last error, and lists it among the failed', async () => {
    const id = newId();
    const closedPort = await freePort();
    await admin.a.schedule(pingTask(id, { Url: `http://127.0.0.1:${closedPort}/` }));
    await eventually(async () => (await admin.a.state(id)) === 'failed', 'the task to fail');
    const failed = await admin.b.get(id);
    expect(failed.body).toMatchObject({ id, state: 'failed', attempt: 1 });
    expect(failed.body.lastError).toMatch(/ECONNREFUSED/);
    const listed = await admin.a.call('GET', '/tasks?state=failed&limit=1000');
    expect((listed.body.tasks as { id: string }[]).map((task) => task.id)).toContain(id);
  });

  it('answers 404 for an unknown task, and 409 to requeue a pending one', async () => {
    for (const answer of [
      await admin.a.get('no-such-task'),
      await admin.a.cancel('no-such-task'),
      await admin.a.requeue('no-such-task'),
    ]) {
      expect(answer).toMatchObject({ status: 404, body: { statusCode: 404, error: 'Not Found' } });
    }
    const id = newId();
    await admin.a.schedule(pingTask(id, { ToRunAfter: '3600', ToRunAt: undefined }));
    expect(await admin.b.requeue(id)).toMatchObject({ status: 409, body: { error: 'Conflict' } });
  });
});

describe('the service: lists and counts', () => {
  it('lists one state a page at a time, oldest first, and by name', async () => {
    const base = Date.now() + 86_400_000;
    const ids = [newId(), newId(), newId()];
    for (const [i, id] of ids.entries()) {
      const name = i === 1 ? 'PeriodPingTask' : 'OncePingTask';
      const fields = {
        Name: name,
        ToRunAt: unixSeconds(base + i * 1000),
        Interval: i === 1 ? '60' : undefined,
      };
      expect((await admin.a.schedule(pingTask(id, fields))).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = `/tasks?state=pending&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const page = await admin.b.call('GET', query);
      expect(page.status).toBe(200);
      const tasks = page.body.tasks as { id: string; state: string }[];
      expect(tasks.length).toBeLessThanOrEqual(2);
      expect(tasks.every((task) => task.state === 'pending')).toBe(true);
      seen.push(...tasks.map((task) => task.id));
      cursor = page.body.cursor as string | null;
    } while (cursor !== null);
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids);

    const periodic = await admin.a.call('GET', '/tasks?state=pending&name=PeriodPingTask');
    expect((periodic.body.tasks as { id: string }[]).map((task) => task.id)).toContain(ids[1]);
    expect(
      (periodic.body.tasks as { name: string }[]).every((task) => task.name === 'PeriodPingTask'),
    ).toBe(true);

    const refused = await admin.a.call('GET', '/tasks?state=lost&limit=1001');
    expect(refused).toMatchObject({ status: 400, body: { statusCode: 400, error: 'Bad Request' } });
    expect(refused.body.message).toEqual([
      expect.stringMatching(/^state must be one of/),
      expect.stringMatching(/^limit must not be greater than 1000/),
    ]);
  });

  it('counts a new task as pending, and then as cancelled', async () => {
    const counts = async () => (await admin.b.call('GET', '/stats')).body;
    const before = await counts();
    const id = newId();
    await admin.a.schedule(pingTask(id, { ToRunAt: unixSeconds(Date.now() + 3_600_000) }));
    expect(await counts()).toMatchObject({ pending: Number(before.pending) + 1 });
    await admin.a.cancel(id);
    expect(await counts()).toMatchObject({
      pending: before.pending,
      cancelled: Number(before.cancelled) + 1,
    });
  });
});

describe('retries, through an app that embeds the admin module', () => {
  function events(id: string): ProbeEvent[] {
    return readFileSync(probeLog(), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ProbeEvent)
      .filter((event) => event.id === id && event.event === 'start');
  }
  const probe = (id: string, until: number, retries: number, retryDelay: string) => ({
    ID: id,
    Name: 'Probe',
    ToRunAt: unixSeconds(Date.now()),
    Mode: 'failUntilAttempt',
    Until: until,
    Retries: retries,
    RetryDelay: retryDelay,
  });

  it('tries a task with Retries: 2 that fails twice a third time, waiting longer each time', async () => {
    const id = newId();
    expect((await probeAdmin.schedule(probe(id, 3, 2, '0.5'))).status).toBe(201);
    await eventually(async () => (await probeAdmin.state(id)) === 'done', 'the task to be done');

    const starts = events(id);
    expect(starts.map((start) => start.attempt)).toEqual([1, 2, 3]);
    const [firstWait, secondWait] = [starts[1].at - starts[0].at, starts[2].at - starts[1].at];
    // 0.5 s and then 1 s, each within ±20 %, and a little time to fire.
    expect(firstWait).toBeGreaterThanOrEqual(400);
    expect(firstWait).toBeLessThan(750);
    expect(secondWait).toBeGreaterThanOrEqual(800);
    expect(secondWait).toBeLessThan(1350);
  });

  it('keeps a task that exhausted its retries as failed with its last error; requeued, it runs again', async () => {
    const id = newId();
    await probeAdmin.schedule(probe(id, 99, 1, '0.2'));
    await eventually(async () => (await probeAdmin.state(id)) === 'failed', 'the task to fail');
    expect((await probeAdmin.get(id)).body).toMatchObject({
      state: 'failed',
      attempt: 2,
      lastError: 'Error: attempt 2 fails (until 99)',
    });
    expect(events(id).map((start) => start.attempt)).toEqual([1, 2]);

    const requeued = await probeAdmin.requeue(id);
    expect(requeued).toMatchObject({ status: 200, body: { id, state: 'pending', attempt: 0 } });
    await eventually(() => events(id).length === 3, 'the requeued task to run');
    expect(events(id)[2]).toMatchObject({ attempt: 1 });
    expect(events(id)[2].at).toBeGreaterThanOrEqual(requeued.at - 50);
  });
});
