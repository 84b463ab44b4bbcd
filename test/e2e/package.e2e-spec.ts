/**
 * The engine as another app gets it: this repository packed with `npm pack`, installed offline
 * into a fresh Nest app written from test/fixtures/consumer-app (the README's embedding recipe,
 * with a handler of its own), run against a private redis-server, and stopped with SIGTERM.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';

const REPO = join(__dirname, '..', '..');
const FIXTURE = join(REPO, 'test', 'fixtures', 'consumer-app');
const TSC = join(REPO, 'node_modules', '.bin', 'tsc');
const LUA = join(REPO, 'src', 'store', 'lua');
/** Files of the repository's root that npm packs whatever `files` says. */
const ALWAYS_PACKED = /^(package\.json|README|LICEN[CS]E)/i;
/** The channel of the engine's default prefix and topic, which the consumer app keeps. */
const CHANNEL = 'remote-task0:messageQ';
const NODE_MODULES = 'node_modules/';
const runFile = promisify(execFile);

type Dependencies = Record<string, string>;

interface Manifest {
  name: string;
  version: string;
  license?: string;
  engines?: Dependencies;
  dependencies?: Dependencies;
  devDependencies?: Dependencies;
  peerDependencies?: Dependencies;
}

/** What `npm pack --json` says of the tarball it wrote. */
interface PackedTarball {
  filename: string;
  integrity: string;
  files: { path: string }[];
}

/** One package of a package-lock.json (v3), by its folder (`node_modules/a/node_modules/b`). */
interface LockEntry {
  version: string;
  name?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Dependencies;
  optionalDependencies?: Dependencies;
  peerDependencies?: Dependencies;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

type LockPackages = Record<string, LockEntry>;

describe('the packed library, installed into an app of its own', () => {
  const work = mkdtempSync(join(tmpdir(), 'delaytask-package-'));
  const timings: string[] = [];
  let tarball: PackedTarball;
  let redis: RedisServerProcess | undefined;
  let app: ChildProcess | undefined;

  async function timed<T>(step: string, action: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await action();
    } finally {
      timings.push(`${step}: ${Math.round(performance.now() - started)} ms`);
    }
  }

  beforeAll(async () => {
    tarball = await timed('build and pack', () => packLibrary(join(work, 'stage'), work));
  }, 60_000);

  afterAll(async () => {
    app?.kill('SIGKILL');
    await redis?.dispose();
    rmSync(work, { recursive: true, force: true });
    console.log(`package e2e, time per step:\n${timings.join('\n')}`);
  });

  it('holds the compiled library, its typings and its Lua scripts, and nothing else', () => {
    const files = tarball.files.map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']),
    );
    const luaScripts = filesUnder(LUA).map((file) => `dist/store/lua/${file}`);
    expect(files.filter((file) => file.endsWith('.lua')).sort()).toEqual(luaScripts.sort());
    const unexpected = files.filter(
      (file) => !/^dist\/.+\.(js|d\.ts|lua)$/.test(file) && !ALWAYS_PACKED.test(file),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => file.startsWith('dist/service/'))).toEqual([]);
  });

  it('is the recipe the README gives, verbatim', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const sources = filesUnder(join(FIXTURE, 'src'));
    const unquoted = sources.filter(
      (file) =>
        !readme.includes(`\`\`\`ts\n${readFileSync(join(FIXTURE, 'src', file), 'utf8')}\`\`\``),
    );
    expect(unquoted).toEqual([]);
  });

  it("runs the app's own handler through the engine, and exits 0 on SIGTERM", async () => {
    const consumer = join(work, 'consumer');
    writeConsumerApp(consumer, tarball);
    await timed('npm ci (offline)', () =>
      run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], consumer),
    );
    await timed('compile the app', () => run(TSC, ['-p', 'tsconfig.json'], consumer));
    redis = await timed('start redis-server', () => RedisServerProcess.start());
    const greetings = join(work, 'greetings.txt');
    const started = startApp(consumer, { REDIS_URL: redis.url, GREETINGS_FILE: greetings });
    app = started.child;

    const client = new Redis(redis.url);
    try {
      await timed('app subscribes', () =>
        started.explain(
          eventually(async () => (await subscribers(client)) > 0, `a subscriber on ${CHANNEL}`),
        ),
      );
      const task = { ID: '1000000000042', Name: 'GreetTask', ToRunAt: unixSeconds(Date.now()) };
      await publishRaw(client, CHANNEL, [JSON.stringify({ ...task, guest: 'Ada' })]);
      const greeting = `Hello, Ada! (task ${task.ID}, attempt 1)\n`;
      await timed('task runs', () =>
        started.explain(eventually(() => read(greetings) === greeting, 'the greeting')),
      );
    } finally {
      client.disconnect();
    }

    app.kill('SIGTERM');
    const exit = await timed('graceful stop', () => started.exited);
    expect({ exit, output: started.output() }).toEqual({
      exit: { code: 0, signal: null },
      output: expect.stringContaining('SIGTERM received: stopping gracefully') as unknown,
    });
  }, 90_000);
});

/**
 * Builds the library into `stage/dist` (the repository's own dist/ stays untouched), beside the
 * files `npm pack` takes from the repository root, and packs it into `destination`. The build is
 * the one `nest build` makes: tsc with tsconfig.build.json, plus the Lua scripts as assets
 * (nest-cli.json). `--ignore-scripts` skips `prepack`, which would run `nest build` here.
 */
async function packLibrary(stage: string, destination: string): Promise<PackedTarball> {
  await run(TSC, ['-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')], REPO);
  cpSync(LUA, join(stage, 'dist', 'store', 'lua'), { recursive: true });
  const rootFiles = readdirSync(REPO).filter((name) => ALWAYS_PACKED.test(name));
  for (const file of rootFiles) cpSync(join(REPO, file), join(stage, file));
  const packArgs = ['pack', '--json', '--ignore-scripts', '--pack-destination', destination];
  const { stdout } = await run('npm', packArgs, stage);
  const [packed] = JSON.parse(stdout) as PackedTarball[];
  return packed;
}

/**
 * The fixture app in `dir`, depending on the tarball beside it. npm would resolve its version
 * ranges from registry metadata, which `npm ci` never caches; so the app gets a lockfile that
 * pins every package to the version and tarball this repository's lockfile holds (cached by this
 * repository's `npm ci`), and `npm ci --offline` installs exactly that.
 */
function writeConsumerApp(dir: string, packed: PackedTarball): void {
  cpSync(join(FIXTURE, 'src'), join(dir, 'src'), { recursive: true });
  cpSync(join(FIXTURE, 'tsconfig.app.json'), join(dir, 'tsconfig.json'));
  const app = readJson<Manifest>(join(FIXTURE, 'package.json'));
  const library = readJson<Manifest>(join(REPO, 'package.json'));
  const tarballSpec = `file:../${packed.filename}`;
  app.dependencies = { ...app.dependencies, [library.name]: tarballSpec };
  writeJson(join(dir, 'package.json'), app);

  const repoLock = readJson<{ packages: LockPackages }>(join(REPO, 'package-lock.json')).packages;
  const roots = [app.dependencies, app.devDependencies, library.dependencies];
  const names = roots.flatMap((deps) => Object.keys(deps ?? {}));
  const installed = names.filter((name) => name !== library.name);
  const packages: LockPackages = {
    '': {
      name: app.name,
      version: app.version,
      dependencies: app.dependencies,
      devDependencies: app.devDependencies,
    },
    ...lockedTree(repoLock, installed),
    [`${NODE_MODULES}${library.name}`]: {
      version: library.version,
      resolved: tarballSpec,
      integrity: packed.integrity,
      license: library.license,
      dependencies: library.dependencies,
      peerDependencies: library.peerDependencies,
      engines: library.engines,
    },
  };
  writeJson(join(dir, 'package-lock.json'), {
    name: app.name,
    version: app.version,
    lockfileVersion: 3,
    requires: true,
    packages,
  });
}

/**
 * The packages of `lock` that `roots` need (dependencies, and peers npm installs), each at the
 * folder it has there: a part of a valid tree closed under Node's lookup is a valid tree. Each
 * gets its registry tarball URL, so that npm reads it from its cache by integrity.
 */
function lockedTree(lock: LockPackages, roots: readonly string[]): LockPackages {
  const picked: LockPackages = {};
  const visit = (from: string, name: string, optional: boolean): void => {
    const folder = lookup(lock, from, name);
    if (folder === undefined) {
      if (optional) return;
      throw new Error(`package-lock.json has no ${name} for ${from || 'the root'}`);
    }
    if (picked[folder]) return;
    const entry = withoutTreeFlags(lock[folder]);
    const packageName =
      entry.name ?? folder.slice(folder.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
    const tarballName = `${packageName.split('/').pop()}-${entry.version}.tgz`;
    picked[folder] = {
      ...entry,
      resolved: entry.resolved ?? `https://registry.npmjs.org/${packageName}/-/${tarballName}`,
    };
    for (const dependency of Object.keys(entry.dependencies ?? {})) {
      visit(folder, dependency, false);
    }
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) {
      visit(folder, dependency, true);
    }
    for (const peer of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[peer]?.optional) visit(folder, peer, false);
    }
  };
  for (const name of roots) visit('', name, false);
  return picked;
}

/** Flags such as `dev` and `peer` describe this repository's tree; npm works them out anew. */
function withoutTreeFlags(entry: LockEntry): LockEntry {
  const { version } = entry;
  const kept = Object.entries(entry).filter(
    ([field]) => !['dev', 'devOptional', 'peer'].includes(field),
  );
  return { ...Object.fromEntries(kept), version };
}

/** Where Node finds `name` from the package in `from`: its own node_modules, then each parent's. */
function lookup(lock: LockPackages, from: string, name: string): string | undefined {
  for (let folder = from; ; ) {
    const candidate = `${folder ? `${folder}/` : ''}${NODE_MODULES}${name}`;
    if (lock[candidate]) return candidate;
    if (!folder) return undefined;
    const parent = folder.lastIndexOf('/node_modules/');
    folder = parent < 0 ? '' : folder.slice(0, parent);
  }
}

interface StartedApp {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** `waiting`, failing with the app's output so far appended to its error. */
  explain<T>(waiting: Promise<T>): Promise<T>;
}

function startApp(dir: string, env: Record<string, string>): StartedApp {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    output: () => output,
    explain: (waiting) =>
      waiting.catch((error: Error) => {
        throw new Error(`${error.message}\n--- app output ---\n${output}`);
      }),
  };
}

async function subscribers(client: Redis): Promise<number> {
  const reply = (await client.pubsub('NUMSUB', CHANNEL)) as [string, number];
  return Number(reply[1]);
}

async function run(
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<{ stdout: string }> {
  try {
    return await runFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    );
  }
}

/** Files under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
