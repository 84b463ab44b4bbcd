/**
 * `npm run bench [-- <scenario…>] [--n N] [--lead ms] [--over ms] [--idle s] [--concurrency c]
 * [--work ms] [--flood N] [--systems ours,bullmq] [--no-build] [--cpu-prof] [--slowlog]
 * [--node-args '…'] [--gc-probes]`: runs each scenario
 * against our service and BullMQ, each on a redis-server of its own, one system after the other,
 * and prints one table. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { expandIncludes } from '../src/store/load-scripts';
import { buildForBench, ROOT } from './harness/build';
import { RUNS_DIR } from './harness/children';
import { machineBusySeconds, ownTreeSeconds } from './harness/proc';
import { BenchRedis } from './harness/redis-server';
import { cluster } from './harness/cluster';
import {
  type Figure,
  type OwnRedisScenario,
  type Params,
  type Scenario,
  SCENARIOS,
  type Target,
} from './harness/scenarios';
import { BullMqSystem, OurService, type System } from './harness/systems';

/**
 * The issues' targets for our side: issue 4's absolute ones, and issue 11's, several against
 * BullMQ's figure in the same run (`ratioMax`/`ratioMin`). A figure may bring its own (crash's
 * re-runs depend on the concurrency).
 */
const TARGETS: Record<string, Target[]> = {
  'burst.last': [{ max: 1.5 }],
  'burst.throughput': [{ min: 35_000 }, { ratioMin: 4 }],
  'burst.late.p99': [{ max: 1500 }],
  'burst.submit': [{ min: 40_000 }, { ratioMin: 2 }],
  'burst.rss.peak': [{ max: 104 }],
  'burst.rss.afterIdle': [{ max: 10 }],
  'burst.redisPerTask': [{ max: 400 }],
  'burst.lost': [{ max: 0 }],
  'burst.twice': [{ max: 0 }],
  'burst-http.late.p99': [{ ratioMax: 0.4 }],
  'burst-http.rss.peak': [{ ratioMax: 1 }, { max: 130, stretch: true }],
  'burst-http.cpu.perTask': [{ ratioMax: 0.5 }],
  'burst-http.lost': [{ max: 0 }],
  'burst-http.twice': [{ max: 0 }],
  'spread.late.p99': [{ max: 20 }],
  'idle.late.p99': [{ max: 5 }],
  'periodic.late.p99': [{ max: 20 }],
  'periodic.missed': [{ max: 0 }],
  'periodic.doubled': [{ max: 0 }],
  'periodic.offgrid': [{ max: 0 }],
  'periodic.pastEnd': [{ max: 0 }],
  'share.vsIdeal': [{ max: 1.3 }],
  // Claims held but not yet confirmed must not lapse and be claimed again.
  'share.fence.extra': [{ max: 0 }],
  'share.lost': [{ max: 0 }],
  'share.twice': [{ max: 0 }],
  'backlog.rss.growth20': [{ max: 20 }],
  'backlog.rss.growthEnd': [{ max: 20 }],
  'crash.recover': [{ max: 10 }],
  'crash.lost': [{ max: 0 }],
  // Issue 9: the durable way in takes tasks at least as fast as pub/sub, and a flood waits in
  // Redis, not in the service's heap.
  'stream.ratio': [{ min: 1 }],
  'stream.flood.lost': [{ max: 0 }],
  'stream.flood.rss.growth': [{ max: 50 }],
  // Issue 14: balance as a stand-in for throughput on bigger machines: on 3 masters no master
  // serves more than 45 % of the Redis CPU time a burst costs (on one Redis, one serves 100 %).
  'cluster.share.max': [{ max: 45 }],
};

const ALL: (Scenario | OwnRedisScenario)[] = [...SCENARIOS, cluster];

interface Row {
  scenario: string;
  figure: Figure;
  ours?: number;
  bullmq?: number;
}

interface Options {
  names: string[];
  params: Params;
  systems: string[];
  build: boolean;
  cpuProf: boolean;
  /** Extra flags for the measured processes' node (diagnosis, e.g. V8 heap limits). */
  nodeArgs: string[];
  slowlog: boolean;
}

function parseArgs(argv: string[]): Options {
  const names: string[] = [];
  const params: Params = {};
  let systems = ['ours', 'bullmq'];
  let build = true;
  let cpuProf = false;
  const nodeArgs: string[] = [];
  let slowlog = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=', 2);
    const value = () => Number(inline ?? argv[++i]);
    if (flag === '--n') params.n = value();
    else if (flag === '--lead') params.lead = value();
    else if (flag === '--over') params.over = value();
    else if (flag === '--idle') params.idle = value();
    else if (flag === '--concurrency') params.concurrency = value();
    else if (flag === '--work') params.work = value();
    else if (flag === '--flood') params.flood = value();
    else if (flag === '--systems') systems = (inline ?? argv[++i]).split(',');
    else if (flag === '--no-build') build = false;
    else if (flag === '--cpu-prof') cpuProf = true;
    else if (flag === '--slowlog') slowlog = true;
    else if (flag === '--gc-probes') params.gcProbes = true;
    else if (flag === '--node-args')
      nodeArgs.push(...(inline ?? argv[++i]).split(' ').filter(Boolean));
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else names.push(arg);
  }
  for (const name of names) {
    if (!ALL.some((s) => s.name === name)) {
      throw new Error(`unknown scenario "${name}"; one of ${ALL.map((s) => s.name).join(', ')}`);
    }
  }
  return { names, params, systems, build, cpuProf, nodeArgs, slowlog };
}

function format(value: number | undefined, unit: Figure['unit']): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  switch (unit) {
    case 'tasks/s':
    case 'B':
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'ms':
    case 'µs':
      return Math.abs(value) < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
    case 's':
    case 'cores':
    case 'cpu s':
      return value.toFixed(2);
    case 'MB':
      return value.toFixed(1);
    case '×':
      return value.toFixed(2);
    case '%':
      return value.toFixed(1);
  }
}

function targetsOf(figure: Figure): Target[] {
  return figure.targets ?? TARGETS[figure.key] ?? [];
}

function targetText(figure: Figure): string {
  return targetsOf(figure)
    .map((target) => {
      const stretch = target.stretch ? ' (stretch)' : '';
      if (target.ratioMax !== undefined) return `≤ ${target.ratioMax.toFixed(2)}× BullMQ${stretch}`;
      if (target.ratioMin !== undefined) return `≥ ${target.ratioMin.toFixed(1)}× BullMQ${stretch}`;
      return target.max !== undefined
        ? `≤ ${format(target.max, figure.unit)}${stretch}`
        : `≥ ${format(target.min, figure.unit)}${stretch}`;
    })
    .join('; ');
}

function met(figure: Figure, ours: number | undefined, bullmq: number | undefined): string {
  const known = (value: number | undefined): value is number =>
    value !== undefined && !Number.isNaN(value);
  return targetsOf(figure)
    .map((target) => {
      if (!known(ours)) return '—';
      let bound = ours;
      if (target.ratioMax !== undefined || target.ratioMin !== undefined) {
        if (!known(bullmq) || bullmq === 0) return '—';
        bound = ours / bullmq;
      }
      const ok =
        (target.max === undefined || bound <= target.max) &&
        (target.min === undefined || bound >= target.min) &&
        (target.ratioMax === undefined || bound <= target.ratioMax) &&
        (target.ratioMin === undefined || bound >= target.ratioMin);
      return ok ? 'met' : 'MISSED';
    })
    .join('; ');
}

/** The 1, 5 and 15 min load averages, from /proc/loadavg. */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

function ratio(ours: number | undefined, bullmq: number | undefined): string {
  if (
    ours === undefined ||
    bullmq === undefined ||
    !Number.isFinite(ours) ||
    !Number.isFinite(bullmq) ||
    bullmq === 0
  )
    return '—';
  const r = ours / bullmq;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function table(rows: Row[]): string {
  const lines = [
    '| scenario | figure | ours | BullMQ | ours/BullMQ | target (ours) | |',
    '|---|---|---:|---:|---:|---|---|',
  ];
  for (const { scenario, figure, ours, bullmq } of rows) {
    const unit = figure.unit === 'count' ? '' : ` (${figure.unit})`;
    lines.push(
      `| ${scenario} | ${figure.label}${unit} | ${format(ours, figure.unit)} | ${format(bullmq, figure.unit)} | ` +
        `${ratio(ours, bullmq)} | ${targetText(figure)} | ${met(figure, ours, bullmq)} |`,
    );
  }
  return lines.join('\n');
}

function versions(): string {
  const pkg = (name: string) =>
    (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  let redis = '?';
  try {
    redis =
      /v=(\S+)/.exec(
        execFileSync(process.env.REDIS_SERVER_BIN ?? 'redis-server', ['--version']).toString(),
      )?.[1] ?? '?';
  } catch {
    // reported as ?
  }
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: ROOT })
      .toString()
      .trim();
    if (dirty) commit += ' (src/ modified)';
  } catch {
    // reported as ?
  }
  return (
    `${new Date().toISOString()} · ${cpus().length} cores (${cpus()[0]?.model.trim()}) · Node ${process.version} · ` +
    `redis-server ${redis} · bullmq ${pkg('bullmq')} · @nestjs/core ${pkg('@nestjs/core')} · ioredis ${pkg('ioredis')} · commit ${commit}`
  );
}

/** SHA1 of each store script (what EVALSHA names) -> its file name. */
function scriptNames(): Map<string, string> {
  const dir = join(ROOT, 'src', 'store', 'lua');
  const names = new Map<string, string>();
  for (const file of readdirSync(dir)) {
    if (file.endsWith('.lua')) {
      // What the store sends: the text with its includes expanded (src/store/load-scripts.ts).
      const lua = expandIncludes(readFileSync(join(dir, file), 'utf8'), dir);
      names.set(createHash('sha1').update(lua).digest('hex'), file);
    }
  }
  return names;
}

async function main(): Promise<void> {
  const { names, params, systems, build, cpuProf, nodeArgs, slowlog } = parseArgs(
    process.argv.slice(2),
  );
  Logger.overrideLogger(['error', 'warn']);
  const chosen = names.length > 0 ? ALL.filter((s) => names.includes(s.name)) : ALL;
  if (build) {
    console.log('Compiling src/ and the bench processes into bench/.build …');
    buildForBench();
  }
  mkdirSync(RUNS_DIR, { recursive: true });
  const profDir = join(RUNS_DIR, 'cpu-prof');
  const profArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const makeSystem = (key: string): System =>
    key === 'ours'
      ? new OurService([...profArgs, ...nodeArgs])
      : new BullMqSystem([...profArgs, ...nodeArgs]);

  const rows: Row[] = [];
  const started = Date.now();
  const loadBefore = loadAverage();
  console.log(`load average before: ${loadBefore}`);
  for (const scenario of chosen) {
    console.log(
      `\n## ${scenario.name}: ${scenario.describe(params)} (load average ${loadAverage()})`,
    );
    const results = new Map<string, Figure[]>();
    for (const key of systems.filter(
      (key) => scenario.systems?.some((only) => only === key) ?? true,
    )) {
      const t0 = Date.now();
      const busy0 = machineBusySeconds() - ownTreeSeconds();
      // A scenario with Redis of its own (a cluster) starts and stops it, and writes its stats.
      const redis = 'ownRedis' in scenario ? undefined : await BenchRedis.start();
      const system = makeSystem(key);
      try {
        if (!redis) {
          if (slowlog) console.log('  (--slowlog applies to scenarios on one redis-server only)');
          results.set(key, await (scenario as OwnRedisScenario).run(system, params));
        } else {
          if (slowlog) await redis.recordAllCommands();
          results.set(key, await (scenario as Scenario).run(system, redis, params));
          const prefix = join(RUNS_DIR, `${scenario.name}-${key}`);
          writeFileSync(`${prefix}.commandstats.txt`, await redis.commandStats());
          if (slowlog) {
            writeFileSync(`${prefix}.slowlog.txt`, await redis.slowlogSummary(scriptNames()));
          }
        }
      } catch (error) {
        console.error(`  ! ${key} failed: ${(error as Error).stack ?? String(error)}`);
      } finally {
        await system.stop().catch(() => undefined);
        await redis?.stop();
      }
      // Everything else the machine did meanwhile (other sessions, tests): the benchmark needs a quiet machine.
      const others = (machineBusySeconds() - ownTreeSeconds() - busy0) / ((Date.now() - t0) / 1000);
      results.get(key)?.push({
        key: `${scenario.name}.others`,
        label: `CPU used by other processes meanwhile (of ${cpus().length})`,
        unit: 'cores',
        value: others,
      });
      console.log(
        `  ${key}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s; other processes used ${others.toFixed(2)} cores meanwhile`,
      );
    }
    const figures = results.get('ours') ?? results.get('bullmq') ?? [];
    const scenarioRows = figures.map((figure) => ({
      scenario: scenario.name,
      figure,
      ours: results.get('ours')?.find((f) => f.key === figure.key)?.value,
      bullmq: results.get('bullmq')?.find((f) => f.key === figure.key)?.value,
    }));
    console.log(table(scenarioRows));
    rows.push(...scenarioRows);
  }
  const header = versions();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const output =
    `\`${command}\` · ${header} · ${((Date.now() - started) / 1000).toFixed(0)} s · ` +
    `load average before ${loadBefore}, after ${loadAverage()}\n\n${table(rows)}\n`;
  console.log(`\n# Results\n${output}`);
  const file = join(RUNS_DIR, `results-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  writeFileSync(file, output);
  console.log(`(also written to ${file})`);
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
