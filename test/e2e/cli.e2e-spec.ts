import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { delayTaskOptionsFromEnv } from '../../src/config/options-from-environment';
import type { DelayTaskOptions } from '../../src/config/delay-task-options.interface';
import type { StartedRun } from '../../src/domain/claim';
import { deadLetterEntry } from '../../src/ingest/dead-letter';
import { acceptItem } from '../../src/store/accept-item';
import type { TaskList } from '../../src/operations/task-answers';
import type { TaskView } from '../../src/operations/task-view';
import { createRedisClient, OperationsStore, TaskKeys, TaskStore } from '../../src/store';
import type { TaskStats } from '../../src/store/operations-store';
import { RedisServerProcess } from '../support/redis-server';

/**
 * The CLI as an operator runs it (`node dist/cli/main.js`; DELAYTASK_CLI_MAIN points at another
 * build), against a real redis-server and no instance: every state it reads is made through the
 * store's own scripts, as the engine would make it.
 */
const CLI = process.env.DELAYTASK_CLI_MAIN ?? join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
/** Not the default prefix: the CLI must read DELAYTASK_PREFIX as the service does. */
const PREFIX = 'cli-e2e:';
const OWNER = 'instance-a';
const LEASE_MS = 30_000;
const WINDOW_MS = 10_000;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let server: RedisServerProcess;
let redis: Redis;
let store: TaskStore;
let operations: OperationsStore;
let options: DelayTaskOptions;
/** The CLI's working directory: empty, so that no .env file of the checkout is read. */
const cwd = mkdtempSync(join(tmpdir(), 'delaytask-cli-'));

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  server = await RedisServerProcess.start();
  redis = createRedisClient({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1 });
  options = delayTaskOptionsFromEnv({ DELAYTASK_PREFIX: PREFIX });
  const keys = new TaskKeys(PREFIX);
  store = new TaskStore(redis, keys, options);
  operations = new OperationsStore(redis, keys);
});

afterAll(async () => {
  await redis.quit();
  await server.dispose();
  rmSync(cwd, { recursive: true, force: true });
});

beforeEach(() => redis.flushall());

/**
 * Runs `delaytask <args>` in `dir` with only the variables given (and PATH; an undefined one is
 * left out), `stdin` written to it.
 */
function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin = '',
  dir = cwd,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL: server.url,
        DELAYTASK_PREFIX: PREFIX,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** The JSON a successful `--json` run printed (the run must have exited 0). */
function parsed<T>(run: CliRun): T {
  if (run.code !== 0) throw new Error(`delaytask exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

function task(id: string, name = 'OncePingTask'): string {
  return JSON.stringify({ ID: id, Name: name, ToRunAfter: '600', Url: 'http://127.0.0.1:9/' });
}

/** A task stored as ingest stores it, due `dueInMs` from now by the Redis clock. */
async function pending(id: string, dueInMs = 600_000): Promise<void> {
  const item = acceptItem(
    { id, name: 'OncePingTask', payload: {} },
    (await store.redisTime()) + dueInMs,
  );
  await store.acceptTasks(OWNER, null, LEASE_MS, [item]);
}

/** A task claimed at once (it is overdue) and started, as an instance's runner starts it. */
async function running(id: string): Promise<StartedRun> {
  const item = acceptItem(
    { id, name: 'OncePingTask', payload: { n: 1 } },
    (await store.redisTime()) - 1000,
  );
  const { results } = await store.acceptTasks(OWNER, WINDOW_MS, LEASE_MS, [item]);
  const token = results[0].token ?? 0;
  const { started } = await store.startRuns(LEASE_MS, [{ id, dueMs: item.dueMs, token }]);
  expect(started).toHaveLength(1);
  return started[0];
}

async function failed(id: string, error: string): Promise<void> {
  const run = await running(id);
  await store.completeRuns(OWNER, null, LEASE_MS, [
    { id, token: run.token, outcome: 'error', error, attempt: run.attempt },
  ]);
}

async function done(id: string): Promise<void> {
  const run = await running(id);
  await store.completeRuns(OWNER, null, LEASE_MS, [{ id, token: run.token, outcome: 'ok' }]);
}

describe('delaytask schedule', () => {
  it('stores a task as ingest does (due by the Redis clock), answers {id, status} and notes the unchecked name', async () => {
    const before = await store.redisTime();
    const run = await cli(['schedule', task('s1', 'SendReminder'), '--json']);
    expect(parsed(run)).toEqual({ id: 's1', status: 'stored' });
    expect(run.stderr).toContain(
      'no instance has registered its task names yet; "SendReminder" runs only if one registers it',
    );
    const stored = await operations.inspectTask('s1');
    expect(stored).toMatchObject({ state: 'pending', attempt: 0 });
    expect(stored?.dueMs).toBeGreaterThanOrEqual(before + 600_000);
    expect(stored?.dueMs).toBeLessThan(before + 610_000);
  });

  it('refuses a name no instance registers, once the instances have registered theirs', async () => {
    await store.registerTaskTypes(['OncePingTask']);

    const run = await cli(['schedule', task('s9', 'SendReminder')]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('unknown task name "SendReminder"');
    expect(await operations.inspectTask('s9')).toBeUndefined();
    const known = await cli(['schedule', task('s10', 'OncePingTask')]);
    expect(known.code).toBe(0);
    expect(known.stderr).toBe('');
  });

  it('answers duplicate for the same content, rescheduled for new content, and duplicate for a stale replay, which does not win', async () => {
    const first = JSON.stringify({ ID: 's2', Name: 'OncePingTask', ToRunAfter: '600' });
    const second = JSON.stringify({ ID: 's2', Name: 'OncePingTask', ToRunAfter: '900' });
    expect(parsed(await cli(['schedule', first, '--json']))).toEqual({
      id: 's2',
      status: 'stored',
    });
    const again = await cli(['schedule', first]);
    expect(again).toEqual({ code: 0, stdout: 'id      s2\nstatus  duplicate\n', stderr: '' });
    expect(parsed(await cli(['schedule', second, '--json']))).toEqual({
      id: 's2',
      status: 'rescheduled',
    });
    expect(parsed(await cli(['schedule', first, '--json']))).toEqual({
      id: 's2',
      status: 'duplicate',
    });
    const record = (await operations.inspectTask('s2'))?.record ?? '';
    expect(JSON.parse(record)).toMatchObject({ toRunAfterMs: 900_000 });
  });

  it('reads a task from @file and from @- alike; an ID-less task is named by its text', async () => {
    const text = '{"Name":"OncePingTask","ToRunAfter":"600"}\n';
    const file = join(cwd, 'task.json');
    writeFileSync(file, text);
    const fromFile = parsed<{ id: string; status: string }>(
      await cli(['schedule', `@${file}`, '--json']),
    );
    expect(fromFile.status).toBe('stored');
    expect(fromFile.id).toMatch(/^msg:[0-9a-f]{32}$/);
    const fromStdin = await cli(['schedule', '@-', '--json'], {}, text);
    expect(parsed(fromStdin)).toEqual({ id: fromFile.id, status: 'duplicate' });
  });

  it('refuses an invalid task with the reason ingest gives (exit 1), storing nothing', async () => {
    const run = await cli([
      'schedule',
      '{"ID":"s3","Name":"OncePingTask","ToRunAfter":"60","Timeout":"-1"}',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^delaytask: task refused: .*Timeout/);
    expect(await redis.exists(`{${PREFIX}}tasks`)).toBe(0);
  });
});

describe('delaytask get', () => {
  it('shows a task in each state, as --json', async () => {
    await pending('p');
    await running('r');
    await failed('f', 'boom');
    await failed('c', 'first');
    await operations.cancelTask('c');
    await done('d');
    const views = await Promise.all(
      ['p', 'r', 'f', 'c', 'd'].map(async (id) =>
        parsed<TaskView>(await cli(['get', id, '--json'])),
      ),
    );
    expect(views.map((view) => [view.id, view.state])).toEqual([
      ['p', 'pending'],
      ['r', 'running'],
      ['f', 'failed'],
      ['c', 'cancelled'],
      ['d', 'done'],
    ]);
    const [p, r, f, c, d] = views;
    expect(p).toMatchObject({ name: 'OncePingTask', attempt: 0 });
    expect(p.dueAt).toMatch(ISO_TIME);
    expect(r).toMatchObject({ attempt: 1, payload: { n: 1 } });
    expect(f).toMatchObject({ attempt: 1, lastError: 'boom' });
    for (const finished of [f, c, d]) expect(finished.finishedAt).toMatch(ISO_TIME);
  });

  it('shows a task for people: one field a line, ISO times, the error in full', async () => {
    await failed('f', 'GET http://127.0.0.1:9/ failed: connect ECONNREFUSED');
    const run = await cli(['get', 'f']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^state +failed$/m);
    expect(run.stdout).toMatch(/^finished at +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
    expect(run.stdout).toMatch(
      /^last error +GET http:\/\/127\.0\.0\.1:9\/ failed: connect ECONNREFUSED$/m,
    );
  });

  it('exits 2 for a task Redis does not know', async () => {
    expect(await cli(['get', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'delaytask: no task "nope" is known\n',
    });
  });
});

describe('delaytask cancel', () => {
  it('cancels a pending task and shows it cancelled', async () => {
    await pending('p');
    const view = parsed<TaskView>(await cli(['cancel', 'p', '--json']));
    expect(view).toMatchObject({ id: 'p', state: 'cancelled' });
    expect((await operations.inspectTask('p'))?.state).toBe('cancelled');
  });

  it('exits 3 for a done task and 2 for an unknown one', async () => {
    await done('d');
    const conflict = await cli(['cancel', 'd']);
    expect(conflict).toMatchObject({ code: 3, stdout: '' });
    expect(conflict.stderr).toContain('task "d" is done');
    expect((await cli(['cancel', 'nope'])).code).toBe(2);
  });
});

describe('delaytask list', () => {
  it('lists failed tasks a page at a time, oldest first, with the cursor of the next page', async () => {
    for (const id of ['f1', 'f2', 'f3']) await failed(id, `error of ${id}`);
    const first = parsed<TaskList>(
      await cli(['list', '--state', 'failed', '--limit', '2', '--json']),
    );
    expect(first.tasks.map((view) => view.id)).toEqual(['f1', 'f2']);
    expect(first.cursor).toBe('2');
    const rest = parsed<TaskList>(
      await cli(['list', '--state', 'failed', '--limit', '2', '--cursor', '2', '--json']),
    );
    expect(rest).toMatchObject({ tasks: [{ id: 'f3', lastError: 'error of f3' }], cursor: null });

    const table = await cli(['list', '--state', 'failed', '--limit', '2']);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +DUE AT +FINISHED AT +ATTEMPT +INTERVAL +LAST ERROR$/);
    expect(lines[1]).toMatch(/^f1 +OncePingTask +- +\S+Z +1 +- +error of f1$/);
    expect(lines[2]).toMatch(/^f2 /);
    expect(table.stdout).toContain('More: add --cursor 2 for the next page.');
  });
});

describe('delaytask requeue', () => {
  it('makes a failed task pending again, due now', async () => {
    await failed('f', 'boom');
    const view = parsed<TaskView>(await cli(['requeue', 'f', '--json']));
    expect(view).toMatchObject({ id: 'f', state: 'pending', attempt: 0 });
    expect(view.lastError).toBeUndefined();
  });

  it('exits 3 for a pending or a done task and 2 for an unknown one', async () => {
    await pending('p');
    await done('d');
    const [forPending, forDone, forUnknown] = await Promise.all([
      cli(['requeue', 'p']),
      cli(['requeue', 'd']),
      cli(['requeue', 'nope']),
    ]);
    expect(forPending).toMatchObject({ code: 3, stdout: '' });
    expect(forPending.stderr).toContain('task "p" is pending: only failed or cancelled tasks');
    expect(forDone).toMatchObject({ code: 3, stdout: '' });
    expect(forUnknown).toMatchObject({ code: 2, stdout: '' });
  });
});

describe('delaytask stats and dead', () => {
  it('counts the tasks by state and the dead letters', async () => {
    await pending('p1');
    await pending('p2');
    await running('r');
    await failed('f', 'boom');
    await done('d');
    await store.keepDeadLetter('{"at":"x","reason":"r","format":"seed","message":"m"}', 10, 1e6);
    expect(parsed<TaskStats>(await cli(['stats', '--json']))).toEqual({
      pending: 3,
      running: 1,
      failed: 1,
      cancelled: 0,
      done: 1,
      deadLetters: 1,
      oldestDueLagMs: 0,
      missed: 0,
      expired: 0,
    });
  });

  it('lists the dead letters newest first, with their reasons and messages as received', async () => {
    const entry = (id: string, text: string) =>
      deadLetterEntry({
        at: '2026-11-26T13:00:00.000Z',
        reason: `unknown task name "${id}"`,
        id,
        format: 'seed',
        text,
      });
    await store.keepDeadLetter(entry('old', '{"ID":"old","n":1e400}'), 10, 1e6);
    await store.keepDeadLetter(entry('new', '{"ID":"new"}'), 10, 1e6);
    const page = parsed<{ entries: unknown[]; cursor: string | null }>(
      await cli(['dead', '--json']),
    );
    expect(page).toEqual({
      entries: [
        {
          at: '2026-11-26T13:00:00.000Z',
          reason: 'unknown task name "new"',
          id: 'new',
          format: 'seed',
          message: '{"ID":"new"}',
        },
        {
          at: '2026-11-26T13:00:00.000Z',
          reason: 'unknown task name "old"',
          id: 'old',
          format: 'seed',
          message: '{"ID":"old","n":1e400}',
        },
      ],
      cursor: null,
    });
    const table = await cli(['dead', '--limit', '1']);
    expect(table.stdout).toMatch(
      /^AT +ID +FORMAT +REASON +MESSAGE\n2026-11-26T13:00:00.000Z +new +seed +unknown task name "new" +\{"ID":"new"\}\n/,
    );
    expect(table.stdout).toContain('More: add --cursor 1 for the next page.');
  });
});

describe('delaytask settings', () => {
  it('reads a .env file of its working directory, as the service does; a variable already set wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delaytask-cli-env-'));
    try {
      // The prefix only from the file; the URL from both, the file's leading nowhere.
      writeFileSync(
        join(dir, '.env'),
        `REDIS_URL=redis://127.0.0.1:1\nDELAYTASK_PREFIX=${PREFIX}\n`,
      );
      await pending('p');
      const run = await cli(['stats', '--json'], { DELAYTASK_PREFIX: undefined }, '', dir);
      expect(parsed<TaskStats>(run).pending).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('delaytask and Redis', () => {
  it('exits 4 when Redis is unreachable, naming the URL without its password', async () => {
    const run = await cli(['stats'], { REDIS_URL: 'redis://:hunter2@127.0.0.1:1/2' });
    expect(run).toEqual({
      code: 4,
      stdout: '',
      stderr:
        'delaytask: cannot reach Redis at redis://:***@127.0.0.1:1/2: connect ECONNREFUSED 127.0.0.1:1\n',
    });
  });

  it('exits 4 when Redis refuses the password, which it never shows', async () => {
    const run = await cli(['get', 'p'], { REDIS_URL: `redis://:hunter2@127.0.0.1:${server.port}` });
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Redis at redis://:***@127.0.0.1:${server.port} refused AUTH`);
    expect(run.stderr).not.toContain('hunter2');
  });
});
