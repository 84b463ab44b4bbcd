import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import Redis from 'ioredis';
import ts from 'typescript';
import type { ProbeEvent } from '../fixtures/probe-app';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/**
 * Schedules declared in code (issue 13): three instances of the probe app, each declaring
 * `ScheduledProbe` every 2 s, restarted again and again (SIGTERM and SIGKILL mixed, all three at
 * once), leave one schedule in Redis and run it at most once per slot, on time while no restart
 * disturbs it; a changed declaration, rolled out one instance after the other, replaces the
 * schedule, and an instance still on the old one, restarted meanwhile, does not bring it back.
 */
// About 50 s on a quiet two-core machine; a restart's three starts take much longer on a busy one.
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
const PREFIX = 'declared:';
const ID = 'schedule:ScheduledProbe';
const CRON = '*/2 * * * * *';
const SLOT_MS = 2000;
const LEASE_MS = 2000;
const WINDOW_MS = 1000;
/**
 * How long after a restart occurrences may start late: one whose claim a killed instance held runs
 * once its lease lapses (the claim was made up to a window ahead), and one missed while all were
 * down is caught up at the restart.
 */
const SETTLE_MS = WINDOW_MS + LEASE_MS + 1500;
/** Lateness of a start while nothing disturbs the schedule: generous, for a busy CI machine. */
const ON_TIME_MS = 1500;
const ROUNDS = 4;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A time span during which starts may be late (a restart, and what it leaves to settle). */
interface Disturbance {
  from: number;
  until: number;
}

let redisServer: RedisServerProcess;
let redis: Redis;
let dir: string;
let probeApp: string;
let log: string;
/** Every process started, running or not: their logs are read at the end. */
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'delaytask-declared-'));
  log = join(dir, 'probe.jsonl');
  probeApp = transpileProbeApp(join(dir, 'build'));
  redisServer = await RedisServerProcess.start();
  redis = new Redis(redisServer.url);
});

afterAll(async () => {
  await Promise.all(processes.map((app) => app.stop()));
  redis?.disconnect();
  await redisServer?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The probe app and the engine, transpiled once file by file (what ts-node's transpile-only mode
 * does at every start) with the engine's assets beside them. Restarts then cost a plain node start
 * instead of a compile (three ts-node starts at once take 10 s or more on a busy two-core machine),
 * and every restart runs the same code, even while the working tree changes.
 */
function transpileProbeApp(outDir: string): string {
  const sources = [
    ...tsFiles(join(ROOT, 'src')).filter((file) => !file.endsWith('.spec.ts')),
    join(ROOT, 'test', 'fixtures', 'probe-app.ts'),
  ];
  for (const file of sources) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2023,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
      },
    });
    const out = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  // The Lua scripts and the status page, found beside the code that reads them.
  cpSync(join(ROOT, 'src'), join(outDir, 'src'), {
    recursive: true,
    filter: (path) => !path.endsWith('.ts'),
  });
  return join(outDir, 'test', 'fixtures', 'probe-app.js');
}

function tsFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Instance `i` declaring the schedule with `Version: version`, not yet started. */
function instance(i: number, version: string): ServiceProcess {
  const app = new ServiceProcess(
    {
      REDIS_URL: redisServer.url,
      DELAYTASK_PREFIX: PREFIX,
      DELAYTASK_INSTANCE_ID: `node${i}`,
      DELAYTASK_LEASE_MS: String(LEASE_MS),
      DELAYTASK_WINDOW_MS: String(WINDOW_MS),
      // The transpiled app lies outside the repository: its packages are found here.
      NODE_PATH: join(ROOT, 'node_modules'),
      PROBE_LOG: log,
      PROBE_CRON: CRON,
      PROBE_SCHEDULE_VERSION: version,
    },
    probeApp,
  );
  processes.push(app);
  return app;
}

function starts(): ProbeEvent[] {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProbeEvent)
    .filter((event) => event.id === ID && event.event === 'start');
}

/** What each process said about the declared schedule, in start order. */
function declarations(of: readonly ServiceProcess[]): string[] {
  const prefix = `Schedule ScheduledProbe (${ID}): ${CRON} UTC — `;
  return of.map((app) => {
    const lines = app.logs.split('\n').filter((line) => line.includes('[DeclaredSchedules]'));
    const line = lines.length === 1 ? lines[0] : `${lines.length} lines: ${lines.join(' | ')}`;
    const at = line.indexOf(prefix);
    return at < 0 ? line : line.slice(at + prefix.length).trim();
  });
}

async function storedRecords(): Promise<Record<string, string>> {
  return redis.hgetall(`{${PREFIX}}tasks`);
}

it('three instances restarted again and again keep one schedule, run once per slot, and take a changed declaration', async () => {
  const disturbances: Disturbance[] = [];
  const kills: number[] = [];
  /** Starts `apps` at once; starts until they have settled may be late. */
  const startAll = async (apps: ServiceProcess[], from = Date.now()): Promise<void> => {
    await Promise.all(apps.map((app) => app.start()));
    disturbances.push({ from, until: Date.now() + SETTLE_MS });
  };

  // Three instances start at once: one creates the schedule, the others find it unchanged.
  let fleet = [0, 1, 2].map((i) => instance(i, '1'));
  await startAll(fleet);
  expect(declarations(fleet).sort()).toEqual(['created', 'unchanged', 'unchanged']);

  // Restarted all at once, round after round, each instance killed or stopped in turn.
  for (let round = 0; round < ROUNDS; round++) {
    await sleep(2000);
    const from = Date.now();
    await Promise.all(
      fleet.map((app, i) => {
        if ((round + i) % 2 === 1) return app.stop();
        kills.push(Date.now());
        return app.kill();
      }),
    );
    fleet = [0, 1, 2].map((i) => instance(i, '1'));
    await startAll(fleet, from);
    expect(declarations(fleet)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  }

  // One schedule, stored as declared, run at most once per slot (on time: checked at the end,
  // since the restarts left it no undisturbed slot).
  expect(await storedRecords()).toEqual({ [ID]: record('1') });
  expectOncePerSlot(starts(), kills);

  // The declaration changes, rolled out one instance after the other: the first replaces the
  // schedule, the second finds it unchanged, and the old instances run the new content meanwhile.
  // The third, still on the old declaration, restarted within the replay window, does not bring
  // it back.
  const rollout: ServiceProcess[] = [];
  let updatedAt = 0;
  for (const [i, version] of [
    [0, '2'],
    [1, '2'],
    [2, '1'],
  ] as const) {
    const from = Date.now();
    await fleet[i].stop();
    fleet[i] = instance(i, version);
    await startAll([fleet[i]], from);
    if (i === 0) updatedAt = Date.now();
    rollout.push(fleet[i]);
  }
  expect(declarations(rollout)).toEqual([
    'updated',
    'unchanged',
    expect.stringMatching(
      /^not applied: the task was given other content within the replay window/,
    ),
  ]);

  // Undisturbed at last: every slot runs, on time, with the new content.
  const quietFrom = Date.now() + SETTLE_MS;
  await sleep(SETTLE_MS + 3 * SLOT_MS + 500);
  const quietUntil = Date.now() - 500;
  expect(await storedRecords()).toEqual({ [ID]: record('2') });
  const all = starts();
  expectOncePerSlot(all, kills);
  expectOnTime(all, disturbances);
  const after = all.filter(({ scheduledAt }) => scheduledAt! > updatedAt);
  expect(after.filter(({ version }) => version !== '2')).toEqual([]);
  const quietSlots = after
    .filter(({ scheduledAt }) => scheduledAt! >= quietFrom && scheduledAt! <= quietUntil)
    .map(({ scheduledAt }) => scheduledAt);
  const expectedSlots: number[] = [];
  for (let at = Math.ceil(quietFrom / SLOT_MS) * SLOT_MS; at <= quietUntil; at += SLOT_MS) {
    expectedSlots.push(at);
  }
  expect(expectedSlots.length).toBeGreaterThanOrEqual(2);
  expect(quietSlots).toEqual(expectedSlots);
});

/** The stored record of the declared schedule with `Version: version`. */
function record(version: string): string {
  return JSON.stringify({
    id: ID,
    name: 'ScheduledProbe',
    cron: CRON,
    payload: { Version: version },
  });
}

/**
 * At most one start per slot. A second start of one occurrence is allowed only as what it is, a
 * new attempt after an instance was killed while running the first.
 */
function expectOncePerSlot(events: readonly ProbeEvent[], kills: readonly number[]): void {
  const bySlot = new Map<number, ProbeEvent[]>();
  for (const event of events) {
    const slot = Math.floor(event.scheduledAt! / SLOT_MS);
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), event]);
  }
  const unexplained = [...bySlot.values()]
    .filter((runs) => runs.length > 1)
    .filter((runs) =>
      runs.slice(1).some((run, i) => {
        const before = runs[i];
        const killedBetween = kills.some((at) => at >= before.at && at <= run.at);
        return run.attempt <= 1 || run.scheduledAt !== before.scheduledAt || !killedBetween;
      }),
    );
  expect(unexplained).toEqual([]);
  expect(events.every(({ scheduledAt }) => scheduledAt! % SLOT_MS === 0)).toBe(true);
}

/** Starts on the second of their occurrence while no restart disturbs the schedule, never early. */
function expectOnTime(events: readonly ProbeEvent[], disturbances: readonly Disturbance[]): void {
  expect(events.filter(({ at, scheduledAt }) => at < scheduledAt!)).toEqual([]);
  const quiet = events.filter(
    ({ scheduledAt }) =>
      !disturbances.some(({ from, until }) => scheduledAt! >= from && scheduledAt! <= until),
  );
  expect(quiet.length).toBeGreaterThanOrEqual(3);
  expect(quiet.filter(({ at, scheduledAt }) => at - scheduledAt! >= ON_TIME_MS)).toEqual([]);
}
