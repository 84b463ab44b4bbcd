import { Fleet } from '../support/fleet';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { freePort } from '../support/redis-server';
import { type LoggedRun, parseRunLogs } from '../support/run-ledger';
import { ServiceProcess } from '../support/service-process';
import { newTaskId } from '../support/workload';

/**
 * Issue 13, schedules, on the built service and a real redis-server: a seconds cron on three
 * instances runs once per slot, on time; after the only instance was down, each CatchUp policy
 * runs what it promises and counts the rest missed; MaxLateness expires a once task that fell due
 * meanwhile; Overlap allowAll lets runs of one schedule overlap (each as `<id>@<dueMs>`), skip
 * never does.
 *
 * The ping examples are the handlers: the ping server sees each run (when the handler's request
 * arrived and when it was answered, `delayMs` later), and each run logs its occurrence's
 * scheduled time (`ToRunAt`, the context's scheduledAt) and when it started (`RunAt`). Bounds are
 * generous (a loaded 2-core machine): behaviour is asserted, timing precision belongs in bench/.
 */
jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const until = (at: number): Promise<void> => sleep(Math.max(0, at - Date.now()));
/** The next whole second strictly after `ms`. */
const nextSecond = (ms: number): number => Math.floor(ms / 1000) * 1000 + 1000;

const fleet = Fleet.use('sched');

/** An instance of the built service on this test's prefix; `httpPort` opens the admin API. */
function service(name: string, env: Record<string, string> = {}): ServiceProcess {
  const instance = new ServiceProcess({
    REDIS_URL: fleet.redisServer.url,
    DELAYTASK_PREFIX: fleet.prefix,
    DELAYTASK_INSTANCE_ID: name,
    // Ping handlers wait on the network: let several run at once (the default is the CPU count).
    DELAYTASK_CONCURRENCY: '16',
    ...env,
  });
  fleet.instances.push(instance);
  return instance;
}

async function withHttp(name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const instance = service(name, { DELAYTASK_HTTP_PORT: String(port), ...env });
  return { instance, url: `http://127.0.0.1:${port}` };
}

async function http(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const answer = text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {};
  return { status: response.status, body: answer };
}

/** A ping task message; the ping server's path is the task ID, so its hits say whose run it was. */
function pingTask(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { ID: id, Url: fleet.ping.url(id), ...fields };
}

/** Publishes on the channel and waits until every task is stored. */
async function publish(...tasks: Record<string, unknown>[]): Promise<void> {
  await publishRaw(
    fleet.redis,
    fleet.channel(),
    tasks.map((task) => JSON.stringify(task)),
  );
  await eventually(
    async () => {
      const stored = await Promise.all(
        tasks.map((t) => fleet.redis.hexists(fleet.key('tasks'), String(t.ID))),
      );
      return stored.every((n) => n === 1);
    },
    'the tasks to be stored',
    10_000,
  );
}

/** The runs of `id` that `logs` show (the ping handlers log each), oldest occurrence first. */
function runsOf(logs: string, id: string): LoggedRun[] {
  return parseRunLogs(logs)
    .filter((run) => run.id === id)
    .sort((a, b) => a.scheduledAt - b.scheduledAt);
}

const lateness = (run: LoggedRun): number => run.startedAt - run.scheduledAt;

/** The fleet-wide counters of occurrences not run. */
async function counters(): Promise<{ missed: number; expired: number }> {
  const hash = await fleet.redis.hgetall(fleet.key('counters'));
  return { missed: Number(hash.missed ?? 0), expired: Number(hash.expired ?? 0) };
}

/** The occurrence a periodic task waits for now (every instance stopped: due, not claimed). */
async function nextDue(id: string): Promise<number> {
  const score = await fleet.redis.zscore(fleet.key('due'), id);
  if (score !== null) return Number(score);
  const lease = await fleet.redis.hget(fleet.key('lease'), id);
  if (lease === null) throw new Error(`task ${id} is neither due nor claimed`);
  return Number(lease.split('|')[1]);
}

/** Grid points of an interval grid in [fromMs, toMs). */
const pointsBetween = (fromMs: number, toMs: number, intervalMs: number): number =>
  Math.max(0, Math.ceil((toMs - fromMs) / intervalMs));

/** Fails listing the runs when consecutive ones are not exactly `stepMs` apart (gap or duplicate). */
function expectConsecutive(runs: readonly LoggedRun[], stepMs: number, what: string): void {
  const gaps = runs
    .slice(1)
    .map((run, i) => run.scheduledAt - runs[i].scheduledAt)
    .filter((gap) => gap !== stepMs);
  if (gaps.length > 0) {
    const shown = runs.map((run) => `${new Date(run.scheduledAt).toISOString()}`).join(', ');
    throw new Error(`${what}: occurrences not ${stepMs} ms apart: ${shown}`);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('schedules on the built service', () => {
  it('a 2-second cron on three instances runs exactly once per slot, on the second; POST /tasks takes a cron with a TimeZone', async () => {
    const { instance: first, url } = await withHttp('node0');
    await Promise.all([first.start(), service('node1').start(), service('node2').start()]);

    const viaChannel = newTaskId();
    await publish(pingTask(viaChannel, { Name: 'PeriodPingTask', Cron: '*/2 * * * * *' }));

    // Through the admin API: the same seconds cron in a zone off UTC by 5:30 (same instants)…
    const viaApi = newTaskId();
    const posted = await http('POST', `${url}/tasks`, {
      ...pingTask(viaApi, { Name: 'PeriodPingTask' }),
      Cron: '*/2 * * * * *',
      TimeZone: 'Asia/Kolkata',
    });
    expect(posted).toMatchObject({ status: 201, body: { id: viaApi, status: 'stored' } });
    // …and a daily cron whose wall-clock time only its zone places.
    const daily = newTaskId();
    const postedDaily = await http('POST', `${url}/tasks`, {
      ...pingTask(daily, { Name: 'PeriodPingTask' }),
      Cron: '30 9 * * 1-5',
      TimeZone: 'America/New_York',
    });
    expect(postedDaily.status).toBe(201);
    const view = await http('GET', `${url}/tasks/${daily}`);
    expect(view).toMatchObject({ status: 200, body: { id: daily, state: 'pending' } });
    const dueAt = new Date(String(view.body.dueAt));
    expect(dueAt.getTime()).toBeGreaterThan(Date.now());
    const inNewYork = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/New_York',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    }).format(dueAt);
    expect(inNewYork).toMatch(/^(Mon|Tue|Wed|Thu|Fri),? 09:30:00$/);
    // The view has no cron field; the stored record keeps the cron and its zone as sent.
    const record = JSON.parse(
      (await fleet.redis.hget(fleet.key('tasks'), daily)) ?? '{}',
    ) as object;
    expect(record).toMatchObject({ cron: '30 9 * * 1-5', timeZone: 'America/New_York' });

    await sleep(12_000);
    await Promise.all(fleet.instances.map((instance) => instance.stop()));
    const logs = fleet.instances.map((instance) => instance.logs).join('\n');

    for (const id of [viaChannel, viaApi]) {
      const runs = runsOf(logs, id);
      const slots = runs.map((run) => run.scheduledAt);
      // Every slot between the first and the last seen: on an even second, exactly one run each.
      expect(slots.length).toBeGreaterThanOrEqual(4);
      expect(slots.filter((slot) => slot % 2000 !== 0)).toEqual([]);
      expectConsecutive(runs, 2000, `cron task ${id}`);
      // The ping server (it sees runs whether or not they logged) agrees: no hidden second run.
      const hits = fleet.ping.hits.filter(
        (hit) => hit.key === id && hit.at >= slots[0] && hit.at < slots[slots.length - 1] + 1000,
      );
      expect(hits.length).toBe(runs.length);
      // On time: never early, every start within a second of its slot, most far closer.
      const late = runs.map(lateness);
      expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...late)).toBeLessThan(1000);
      expect(median(late)).toBeLessThan(300);
    }
  });

  it('after the only instance was down for several occurrences: CatchUp skip, one and all (CatchUpMax 3) each do what they say, the rest counted missed', async () => {
    const leaseMs = 2000;
    const env = { DELAYTASK_LEASE_MS: String(leaseMs) };
    const victim = service('node0', env);
    await victim.start();

    const anchor = nextSecond(Date.now()) + 1000;
    const ids = { skip: newTaskId(), one: newTaskId(), all: newTaskId() };
    const every = (catchUp: string, extra: Record<string, unknown> = {}) => ({
      Name: 'PeriodPingTask',
      Interval: '1',
      ToRunAt: unixSeconds(anchor),
      CatchUp: catchUp,
      ...extra,
    });
    await publish(
      pingTask(ids.skip, every('skip')),
      pingTask(ids.one, every('one')),
      pingTask(ids.all, every('all', { CatchUpMax: 3 })),
    );
    if (Date.now() > anchor) throw new Error('the tasks were stored after their first occurrence');

    // Three occurrences on time, then a crash half-way between two (no run in flight).
    await until(anchor + 2500);
    expect(await counters()).toEqual({ missed: 0, expired: 0 });
    await victim.kill();
    const killedAt = Date.now();
    // Down 5 s: at least 4 occurrences fall due meanwhile; its leases (2 s) lapse long before.
    await until(killedAt + 5000);
    const restartedAt = Date.now();
    const { instance: revived, url } = await withHttp('node0-again', env);
    await revived.start();
    await sleep(5000);
    // Mid-second: no run in flight, nothing about to be judged.
    await until(nextSecond(Date.now()) + 500);
    const stats = (await http('GET', `${url}/stats`)).body;
    await revived.stop();

    const before = (id: string) => runsOf(victim.logs, id);
    const after = (id: string) => runsOf(revived.logs, id);
    const report = (id: string) =>
      `\nbefore the kill: ${JSON.stringify(before(id))}\nafter the restart: ${JSON.stringify(after(id))}`;

    let missedTotal = 0;
    for (const [policy, id] of Object.entries(ids)) {
      const pre = before(id);
      const post = after(id);
      // On the grid from the anchor until the kill, every occurrence once.
      expect({ policy, first: pre[0]?.scheduledAt }).toEqual({ policy, first: anchor });
      expectConsecutive(pre, 1000, `${policy} before the kill`);
      expect(pre.length).toBeGreaterThanOrEqual(2);
      expect(post.length).toBeGreaterThanOrEqual(4);
      // No occurrence ran twice, and each ran on its grid.
      const all = [...pre, ...post];
      expect(new Set(all.map((run) => run.scheduledAt)).size).toBe(all.length);
      expect(all.filter((run) => (run.scheduledAt - anchor) % 1000 !== 0)).toEqual([]);
      // Every grid point from the anchor to the one it waits for now either ran or was missed.
      const next = await nextDue(id);
      const missed = pointsBetween(anchor, next, 1000) - all.length;
      missedTotal += missed;

      const d0 = pre[pre.length - 1].scheduledAt + 1000; // the first occurrence not run before the kill
      if (policy === 'skip') {
        // Nothing late: the first run is for a slot after the restart, on time, then the grid.
        expect({ policy, firstAfterRestart: post[0].scheduledAt > restartedAt }).toEqual({
          policy,
          firstAfterRestart: true,
        });
        expect(lateness(post[0])).toBeLessThan(1000);
        expectConsecutive(post, 1000, `${policy} after the restart${report(id)}`);
        expect(missed).toBe(pointsBetween(d0, post[0].scheduledAt, 1000));
        expect(missed).toBeGreaterThanOrEqual(4);
      } else if (policy === 'one') {
        // The occurrence due at the crash runs once, late; the ones it collapsed are missed.
        expect(post[0].scheduledAt).toBe(d0);
        expect(lateness(post[0])).toBeGreaterThanOrEqual(4000);
        expect(post.filter((run) => run.scheduledAt <= post[0].startedAt)).toHaveLength(1);
        // Then back on the grid: on time, every occurrence.
        expect(post[1].scheduledAt).toBeGreaterThan(post[0].startedAt);
        expect(lateness(post[1])).toBeLessThan(1000);
        expectConsecutive(post.slice(1), 1000, `${policy} after its late run${report(id)}`);
        expect(missed).toBe(pointsBetween(d0 + 1000, post[1].scheduledAt, 1000));
        expect(missed).toBeGreaterThanOrEqual(3);
      } else {
        // The latest three that had fallen due run one after another, then the grid again.
        const late = post.filter((run) => run.scheduledAt <= post[0].startedAt);
        expect({ policy, late: late.length }).toEqual({ policy, late: 3 });
        expectConsecutive(post, 1000, `${policy} after the restart${report(id)}`);
        expect(post[0].startedAt).toBeLessThan(post[0].scheduledAt + 3000); // the latest three
        expect(post[2].startedAt - post[0].startedAt).toBeLessThan(2000);
        expect(post[0].scheduledAt).toBeGreaterThan(d0);
        expect(lateness(post[3])).toBeLessThan(1000);
        expect(missed).toBe(pointsBetween(d0, post[0].scheduledAt, 1000));
        expect(missed).toBeGreaterThanOrEqual(2);
      }
    }
    // Missed occurrences are counted, fleet-wide (Redis) and by GET /stats.
    expect(await counters()).toEqual({ missed: missedTotal, expired: 0 });
    expect(stats).toMatchObject({ missed: missedTotal, expired: 0 });
  });

  it('MaxLateness: a once task that fell due while the only instance was down is recorded as expired, not run; its sibling runs late', async () => {
    const first = service('node0');
    await first.start();
    const due = Date.now() + 2000;
    const strict = newTaskId();
    const sibling = newTaskId();
    const once = { Name: 'OncePingTask', ToRunAt: unixSeconds(due) };
    await publish(pingTask(strict, { ...once, MaxLateness: '1' }), pingTask(sibling, once));
    await first.stop();
    expect(Date.now()).toBeLessThan(due);

    await until(due + 2000);
    const { instance: second, url } = await withHttp('node0-again');
    await second.start();
    await eventually(
      () => runsOf(second.logs, sibling).length === 1,
      'the sibling without MaxLateness to run',
      15_000,
    );
    await eventually(
      async () => (await http('GET', `${url}/tasks/${strict}`)).body.state === 'failed',
      'the task with MaxLateness to be recorded as failed',
      10_000,
    );

    // The sibling ran, late.
    const [run] = runsOf(second.logs, sibling);
    expect(lateness(run)).toBeGreaterThanOrEqual(2000);
    // The strict one never ran: failed, as expired, saying why.
    expect(fleet.ping.count(strict)).toBe(0);
    expect(runsOf(second.logs, strict)).toEqual([]);
    const view = (await http('GET', `${url}/tasks/${strict}`)).body;
    expect(view.state).toBe('failed');
    expect(view.lastError).toMatch(/MaxLateness/);
    const failure = JSON.parse(
      (await fleet.redis.hget(fleet.key('failures'), strict)) ?? '{}',
    ) as object;
    expect(failure).toMatchObject({ outcome: 'expired' });
    expect(await counters()).toEqual({ missed: 0, expired: 1 });
    expect((await http('GET', `${url}/stats`)).body).toMatchObject({ expired: 1, missed: 0 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /^delaytask_occurrences_skipped_total\{name="OncePingTask",reason="expired"\} 1$/m,
    );
  });

  it('Overlap allowAll: runs of one schedule overlap, each as task <id>@<dueMs>; with Overlap skip (the default) they never do', async () => {
    fleet.ping.delayMs = 2500; // every run takes 2.5 s; the interval is 1 s
    const node = service('node0');
    await node.start();
    const anchor = nextSecond(Date.now()) + 1000;
    const allowAll = newTaskId();
    const skip = newTaskId();
    const every = { Name: 'PeriodPingTask', Interval: '1', ToRunAt: unixSeconds(anchor) };
    await publish(pingTask(allowAll, { ...every, Overlap: 'allowAll' }), pingTask(skip, every));

    await until(anchor + 7500);
    await node.stop(); // lets the runs in flight finish (and log)
    const runs = parseRunLogs(node.logs);

    // allowAll: each occurrence ran as a once task of its own, `<id>@<dueMs>`, once, none skipped.
    const occurrences = runs
      .filter((run) => run.id.startsWith(`${allowAll}@`))
      .sort((a, b) => a.scheduledAt - b.scheduledAt);
    expect(runs.filter((run) => run.id === allowAll)).toEqual([]);
    expect(occurrences.map((run) => run.id)).toEqual(
      occurrences.map((run) => `${allowAll}@${run.scheduledAt}`),
    );
    expect(occurrences[0]?.scheduledAt).toBe(anchor);
    expect(occurrences.length).toBeGreaterThanOrEqual(5);
    expectConsecutive(occurrences, 1000, 'allowAll');
    // …and they overlapped: at some moment two or more requests of the schedule were in flight.
    const spans = (id: string) =>
      fleet.ping.hits
        .filter((hit) => hit.key === id)
        .sort((a, b) => a.at - b.at)
        .map((hit) => ({ start: hit.at, end: hit.finishedAt ?? Infinity }));
    const allowAllSpans = spans(allowAll);
    const mostAtOnce = Math.max(
      ...allowAllSpans.map(
        ({ start }) => allowAllSpans.filter((s) => s.start <= start && s.end > start).length,
      ),
    );
    expect(mostAtOnce).toBeGreaterThanOrEqual(2);

    // skip: one run at a time, each starting after the one before ended; the rest missed.
    const skipSpans = spans(skip);
    expect(skipSpans.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < skipSpans.length; i++) {
      expect(skipSpans[i].start).toBeGreaterThanOrEqual(skipSpans[i - 1].end);
    }
    const skipRuns = runsOf(node.logs, skip);
    expect(skipRuns.length).toBe(skipSpans.length);
    expect(skipRuns[0].scheduledAt).toBe(anchor);
    const missed = pointsBetween(anchor, await nextDue(skip), 1000) - skipRuns.length;
    expect(missed).toBeGreaterThanOrEqual(skipRuns.length);
    // Only the skip schedule missed any (allowAll never does).
    expect(await counters()).toEqual({ missed, expired: 0 });
  });
});
