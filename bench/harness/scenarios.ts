import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/support/redis-server';
import { childScript } from './build';
import { MeasuredChild, RUNS_DIR } from './children';
import {
  cpuSeconds,
  type RssParts,
  rssBytes,
  resetRssHighWater,
  rssHighWater,
  rssParts,
  RssSampler,
} from './proc';
import { BenchRedis, sleep } from './redis-server';
import { max, min, percentile, prng } from './stats';
import { OurService, type StreamFloodResult, type SubmitResult, type System } from './systems';

/** A target for our figure: absolute (`max`/`min`) or against BullMQ's (`ratioMax`/`ratioMin`). */
export interface Target {
  max?: number;
  min?: number;
  ratioMax?: number;
  ratioMin?: number;
  /** Shown as "(stretch)". */
  stretch?: boolean;
}

/** One measured figure of one system. */
export interface Figure {
  key: string;
  label: string;
  unit: 'tasks/s' | 's' | 'ms' | 'µs' | 'MB' | 'B' | 'count' | 'cpu s' | 'cores' | '×' | '%';
  value: number;
  /** A target that depends on the run's parameters (else main.ts's table of targets). */
  targets?: Target[];
}

export interface Params {
  n?: number;
  /** ms from now until the first due time (must leave time to submit everything). */
  lead?: number;
  /** Spread of due times, ms. */
  over?: number;
  /** Idle measurement window of the backlog, s. */
  idle?: number;
  /** Handlers at once per process (each scenario has its default). */
  concurrency?: number;
  /** ms each task of `share` takes. */
  work?: number;
  /** Entries of the `stream` scenario's flood (0: no flood). */
  flood?: number;
  /**
   * burst-http: force a full GC before each heap reading (all submitted, half run, drained), so
   * that they tell live objects from garbage. Diagnosis only: it changes the process's heap.
   */
  gcProbes?: boolean;
}

export interface Scenario {
  name: string;
  /** The systems it runs on, when not every one (what it measures only ours has). */
  systems?: readonly System['key'][];
  describe: (p: Params) => string;
  run: (system: System, redis: BenchRedis, p: Params) => Promise<Figure[]>;
}

/** A scenario that starts the Redis it measures itself (`cluster`): main starts none for it. */
export interface OwnRedisScenario extends Omit<Scenario, 'run'> {
  ownRedis: true;
  run: (system: System, p: Params) => Promise<Figure[]>;
}

const MB = 1024 * 1024;

/** Counts runs per key (task id, or id@due for periodic tasks) across the child processes. */
export class RunTracker {
  readonly counts = new Map<string, number>();
  readonly firstStart = new Map<string, number>();
  private readonly seen = new Map<MeasuredChild, number>();
  private waiters: { target: number; resolve: () => void }[] = [];

  constructor(
    private readonly children: MeasuredChild[],
    private readonly keyOf: (id: string, due: number) => string = (id) => id,
  ) {
    for (const child of children) {
      this.seen.set(child, 0);
      child.onStarts = () => this.absorb(child);
    }
  }

  get distinct(): number {
    return this.counts.size;
  }

  get total(): number {
    let total = 0;
    for (const child of this.children) total += child.ids.length;
    return total;
  }

  /** Resolves once `target` distinct keys have run, or at `deadline` (returns false then). */
  waitDistinct(target: number, deadline: number): Promise<boolean> {
    if (this.distinct >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
      this.waiters.push({
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  /** Every run as (key, start, due reported by the engine). */
  *runs(): Generator<{ id: string; start: number; due: number; child: MeasuredChild }> {
    for (const child of this.children) {
      for (let i = 0; i < child.ids.length; i++) {
        yield { id: child.ids[i], start: child.starts[i], due: child.dues[i], child };
      }
    }
  }

  ranTwice(): number {
    let twice = 0;
    for (const count of this.counts.values()) if (count > 1) twice++;
    return twice;
  }

  private absorb(child: MeasuredChild): void {
    const from = this.seen.get(child) ?? 0;
    for (let i = from; i < child.ids.length; i++) {
      const key = this.keyOf(child.ids[i], child.dues[i]);
      const count = this.counts.get(key) ?? 0;
      this.counts.set(key, count + 1);
      if (count === 0) this.firstStart.set(key, child.starts[i]);
    }
    this.seen.set(child, child.ids.length);
    const distinct = this.distinct;
    this.waiters = this.waiters.filter((waiter) => {
      if (distinct < waiter.target) return true;
      waiter.resolve();
      return false;
    });
  }
}

export function lateness(
  tracker: RunTracker,
  dueOf: (id: string, reported: number) => number,
): number[] {
  const late: number[] = [];
  for (const { id, start, due } of tracker.runs()) late.push(start - dueOf(id, due));
  return late;
}

export function latenessFigures(prefix: string, late: number[], withMax = true): Figure[] {
  const figures: Figure[] = [
    { key: `${prefix}.p50`, label: 'lateness p50', unit: 'ms', value: percentile(late, 50) },
    { key: `${prefix}.p99`, label: 'lateness p99', unit: 'ms', value: percentile(late, 99) },
  ];
  if (withMax)
    figures.push({ key: `${prefix}.max`, label: 'lateness max', unit: 'ms', value: max(late) });
  return figures;
}

/** V8 heap in use and reserved, for telling retained objects from unreturned heap. */
function heapFigures(key: string, when: string, usage: NodeJS.MemoryUsage): Figure[] {
  return [
    { key: `${key}.used`, label: `heap used, ${when}`, unit: 'MB', value: usage.heapUsed / MB },
    {
      key: `${key}.total`,
      label: `heap reserved, ${when}`,
      unit: 'MB',
      value: usage.heapTotal / MB,
    },
    {
      key: `${key}.external`,
      label: `external (Buffers, …), ${when}`,
      unit: 'MB',
      value: usage.external / MB,
    },
  ];
}

/** Where the resident memory is: malloc's brk heap, anonymous mappings (V8's heap), files. */
function rssPartFigures(key: string, when: string, parts: RssParts): Figure[] {
  return [
    {
      key: `${key}.brk`,
      label: `RSS in malloc's brk heap, ${when}`,
      unit: 'MB',
      value: parts.brk / MB,
    },
    {
      key: `${key}.anonymous`,
      label: `RSS in anonymous mappings (V8 heap, mmap'd blocks), ${when}`,
      unit: 'MB',
      value: parts.anonymous / MB,
    },
  ];
}

export function nextSecond(ms: number, step = 1000): number {
  return Math.ceil(ms / step) * step;
}

/** Default lead: 3 s plus 0.2 ms per task (BullMQ adds ~10k/s here, so 50k need ~5 s). */
export function leadFor(p: Params, n: number): number {
  return p.lead ?? 3000 + Math.ceil(n * 0.2);
}

export function warnIfLate(system: System, submittedAt: number, firstDue: number): void {
  if (submittedAt > firstDue) {
    console.warn(
      `  ! ${system.key}: submission ended ${submittedAt - firstDue} ms after the first due time; raise --lead`,
    );
  }
}

async function startOne(
  system: System,
  redis: BenchRedis,
): Promise<{ child: MeasuredChild; sampler: RssSampler }> {
  const [child] = await system.start(redis, 1);
  const sampler = new RssSampler(child.pid);
  await sleep(1000);
  return { child, sampler };
}

const burst: Scenario = {
  name: 'burst',
  describe: (p) => `${p.n ?? 50_000} once tasks submitted at once, all due at the same second`,
  async run(system, redis, p) {
    const n = p.n ?? 50_000;
    const { child, sampler } = await startOne(system, redis);
    try {
      const tracker = new RunTracker([child]);
      const idleRss = rssBytes(child.pid);
      const heapIdle = await child.memoryUsage();
      const memBefore = await redis.usedMemory();
      const dueMs = nextSecond(Date.now() + leadFor(p, n));
      const cpuBeforeSubmit = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      const { elapsedMs } = await system.submit(n, (i) => ({ id: String(i), dueMs }), 'bulk');
      const cpuAfterSubmit = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      const memAfter = await redis.usedMemory();
      const heapSubmitted = await child.memoryUsage();
      warnIfLate(system, Date.now(), dueMs);
      await sleep(Math.max(0, dueMs - Date.now()));
      const cpuAtDue = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      const all = await tracker.waitDistinct(n, dueMs + 120_000);
      const cpuAtEnd = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      if (!all)
        console.warn(`  ! ${system.key}: only ${tracker.distinct} of ${n} ran within 120 s`);
      const heapDrained = await child.memoryUsage();
      const late = lateness(tracker, () => dueMs);
      const lastAfter = max(late);
      await sleep(5000);
      const afterRss = rssBytes(child.pid);
      const heapAfter = await child.memoryUsage();
      const heapCollected = await child.memoryUsage(true);
      const collectedRss = rssBytes(child.pid);
      return [
        {
          key: 'burst.submit',
          label: 'submit rate',
          unit: 'tasks/s',
          value: (n / elapsedMs) * 1000,
        },
        {
          key: 'burst.last',
          label: 'last task ran after the due second',
          unit: 's',
          value: lastAfter / 1000,
        },
        {
          key: 'burst.throughput',
          label: 'throughput (n / last-ran-after-due)',
          unit: 'tasks/s',
          value: (tracker.distinct / lastAfter) * 1000,
        },
        ...latenessFigures('burst.late', late),
        {
          key: 'burst.rss.idle',
          label: 'RSS idle (before submit)',
          unit: 'MB',
          value: idleRss / MB,
        },
        { key: 'burst.rss.peak', label: 'RSS peak', unit: 'MB', value: sampler.peak() / MB },
        { key: 'burst.rss.after', label: 'RSS 5 s after drain', unit: 'MB', value: afterRss / MB },
        {
          key: 'burst.rss.afterIdle',
          label: 'RSS after drain - idle',
          unit: 'MB',
          value: (afterRss - idleRss) / MB,
        },
        ...heapFigures('burst.heap.idle', 'idle', heapIdle),
        ...heapFigures('burst.heap.submitted', 'all submitted', heapSubmitted),
        ...heapFigures('burst.heap.drained', 'at drain end', heapDrained),
        ...heapFigures('burst.heap.after', '5 s after drain', heapAfter),
        ...heapFigures('burst.heap.gc', 'then after a forced full GC', heapCollected),
        {
          key: 'burst.rss.gc',
          label: 'RSS after that forced GC (diagnosis)',
          unit: 'MB',
          value: collectedRss / MB,
        },
        {
          key: 'burst.redisPerTask',
          label: 'Redis memory per pending task',
          unit: 'B',
          value: (memAfter - memBefore) / n,
        },
        {
          key: 'burst.cpu.submit',
          label: 'CPU of service/worker while submitting',
          unit: 'cpu s',
          value: cpuAfterSubmit[0] - cpuBeforeSubmit[0],
        },
        {
          key: 'burst.cpu.submitRedis',
          label: 'CPU of redis-server while submitting',
          unit: 'cpu s',
          value: cpuAfterSubmit[1] - cpuBeforeSubmit[1],
        },
        {
          key: 'burst.cpu.service',
          label: 'CPU of service/worker during drain',
          unit: 'cpu s',
          value: cpuAtEnd[0] - cpuAtDue[0],
        },
        {
          key: 'burst.cpu.redis',
          label: 'CPU of redis-server during drain',
          unit: 'cpu s',
          value: cpuAtEnd[1] - cpuAtDue[1],
        },
        { key: 'burst.lost', label: 'never ran', unit: 'count', value: n - tracker.distinct },
        {
          key: 'burst.twice',
          label: 'ran more than once',
          unit: 'count',
          value: tracker.ranTwice(),
        },
      ];
    } finally {
      sampler.stop();
    }
  },
};

const spread: Scenario = {
  name: 'spread',
  describe: (p) => `${p.n ?? 50_000} once tasks due evenly over ${(p.over ?? 20_000) / 1000} s`,
  async run(system, redis, p) {
    const n = p.n ?? 50_000;
    const over = p.over ?? 20_000;
    const { child, sampler } = await startOne(system, redis);
    try {
      const tracker = new RunTracker([child]);
      const first = nextSecond(Date.now() + leadFor(p, n));
      const dueOf = (i: number) => first + Math.floor((i * over) / n);
      await system.submit(n, (i) => ({ id: String(i), dueMs: dueOf(i) }), 'bulk');
      warnIfLate(system, Date.now(), first);
      const all = await tracker.waitDistinct(n, first + over + 120_000);
      if (!all) console.warn(`  ! ${system.key}: only ${tracker.distinct} of ${n} ran`);
      const late = lateness(tracker, (id) => dueOf(Number(id)));
      return [
        ...latenessFigures('spread.late', late),
        { key: 'spread.rss.peak', label: 'RSS peak', unit: 'MB', value: sampler.peak() / MB },
        { key: 'spread.lost', label: 'never ran', unit: 'count', value: n - tracker.distinct },
        {
          key: 'spread.twice',
          label: 'ran more than once',
          unit: 'count',
          value: tracker.ranTwice(),
        },
      ];
    } finally {
      sampler.stop();
    }
  },
};

const idle: Scenario = {
  name: 'idle',
  describe: (p) =>
    `${p.n ?? 200} tasks at random ms due times over ${(p.over ?? 10_000) / 1000} s on an idle service`,
  async run(system, redis, p) {
    const n = p.n ?? 200;
    const over = p.over ?? 10_000;
    const { child, sampler } = await startOne(system, redis);
    try {
      const tracker = new RunTracker([child]);
      const random = prng(4);
      const first = Date.now() + (p.lead ?? 2000);
      const dues = Array.from({ length: n }, () => first + Math.floor(random() * over));
      await system.submit(n, (i) => ({ id: String(i), dueMs: dues[i] }), 'bulk');
      warnIfLate(system, Date.now(), min(dues));
      await tracker.waitDistinct(n, first + over + 60_000);
      const late = lateness(tracker, (id) => dues[Number(id)]);
      return [
        ...latenessFigures('idle.late', late),
        { key: 'idle.lost', label: 'never ran', unit: 'count', value: n - tracker.distinct },
      ];
    } finally {
      sampler.stop();
    }
  },
};

const periodic: Scenario = {
  name: 'periodic',
  describe: (p) =>
    `${p.n ?? 1000} periodic tasks every 2 s for ${(p.over ?? 20_000) / 1000} s, all on one grid`,
  async run(system, redis, p) {
    const n = p.n ?? 1000;
    const over = p.over ?? 20_000;
    const intervalMs = 2000;
    const { child, sampler } = await startOne(system, redis);
    try {
      const tracker = new RunTracker([child], (id, due) => `${id}@${due}`);
      const firstMs = nextSecond(Date.now() + (p.lead ?? 4000), intervalMs);
      // The last occurrence is at first + over - interval; EndTime sits between two grid points.
      const occurrences = Math.floor(over / intervalMs);
      const endMs = firstMs + (occurrences - 1) * intervalMs + intervalMs / 2;
      await system.submitPeriodic({ count: n, firstMs, intervalMs, endMs });
      warnIfLate(system, Date.now(), firstMs);
      await sleep(Math.max(0, endMs + intervalMs + 3000 - Date.now()));
      let onGrid = 0;
      let offGrid = 0;
      let pastEnd = 0;
      const late: number[] = [];
      for (const { start, due } of tracker.runs()) {
        const k = (due - firstMs) / intervalMs;
        if (!Number.isInteger(k) || k < 0) offGrid++;
        else if (k >= occurrences) pastEnd++;
        else {
          onGrid++;
          late.push(start - due);
        }
      }
      let seenSlots = 0;
      let extraRuns = 0;
      for (const [key, count] of tracker.counts) {
        const due = Number(key.slice(key.lastIndexOf('@') + 1));
        const k = (due - firstMs) / intervalMs;
        if (Number.isInteger(k) && k >= 0 && k < occurrences) {
          seenSlots++;
          extraRuns += count - 1;
        }
      }
      return [
        ...latenessFigures('periodic.late', late),
        {
          key: 'periodic.missed',
          label: 'missed occurrences',
          unit: 'count',
          value: n * occurrences - seenSlots,
        },
        {
          key: 'periodic.doubled',
          label: 'doubled occurrences (extra runs)',
          unit: 'count',
          value: extraRuns,
        },
        { key: 'periodic.offgrid', label: 'runs off the grid', unit: 'count', value: offGrid },
        {
          key: 'periodic.pastEnd',
          label: 'runs after EndTime/endDate',
          unit: 'count',
          value: pastEnd,
        },
        { key: 'periodic.runs', label: 'runs on the grid', unit: 'count', value: onGrid },
        { key: 'periodic.rss.peak', label: 'RSS peak', unit: 'MB', value: sampler.peak() / MB },
      ];
    } finally {
      sampler.stop();
    }
  },
};

const backlog: Scenario = {
  name: 'backlog',
  describe: (p) =>
    `${p.n ?? 1_000_000} tasks due between now+10 min and now+24 h; RSS 5 s and 20 s after the ` +
    `last was accepted, then idle CPU over ${p.idle ?? 30} s`,
  async run(system, redis, p) {
    const n = p.n ?? 1_000_000;
    const idleS = p.idle ?? 30;
    const { child, sampler } = await startOne(system, redis);
    try {
      const rssBefore = rssBytes(child.pid);
      const memBefore = await redis.usedMemory();
      const from = Date.now() + (p.lead ?? 600_000);
      const span = (p.over ?? 86_400_000) - (p.lead ?? 600_000);
      const { elapsedMs, heldBackMs } = await system.submit(
        n,
        (i) => ({ id: String(i), dueMs: from + Math.floor((i * span) / n) }),
        'bulk',
      );
      const acceptedAt = Date.now();
      const memAfter = await redis.usedMemory();
      await sleep(Math.max(0, acceptedAt + 5000 - Date.now()));
      const rssAfter = rssBytes(child.pid);
      await sleep(Math.max(0, acceptedAt + 20_000 - Date.now()));
      const rss20 = rssBytes(child.pid);
      const cpu0 = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      await sleep(idleS * 1000);
      const cpu1 = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      const rssEnd = rssBytes(child.pid);
      const settled = sampler.settledAtOrBelow(rssBefore + 20 * MB, acceptedAt);
      return [
        {
          key: 'backlog.submit',
          label: 'submit rate',
          unit: 'tasks/s',
          value: (n / elapsedMs) * 1000,
        },
        {
          key: 'backlog.heldBack',
          label: 'producer held back for ingest (pub/sub limit)',
          unit: 's',
          value: heldBackMs === undefined ? NaN : heldBackMs / 1000,
        },
        {
          key: 'backlog.rss.before',
          label: 'RSS idle, before submit',
          unit: 'MB',
          value: rssBefore / MB,
        },
        {
          key: 'backlog.rss.peak',
          label: 'RSS peak (during submit)',
          unit: 'MB',
          value: sampler.peak() / MB,
        },
        {
          key: 'backlog.rss.5s',
          label: 'RSS 5 s after the last was accepted',
          unit: 'MB',
          value: rssAfter / MB,
        },
        {
          key: 'backlog.rss.20s',
          label: 'RSS 20 s after the last was accepted',
          unit: 'MB',
          value: rss20 / MB,
        },
        {
          key: 'backlog.rss.after',
          label: `RSS after idle ${idleS} s more`,
          unit: 'MB',
          value: rssEnd / MB,
        },
        {
          key: 'backlog.rss.growth',
          label: 'RSS growth (5 s after the last accept - idle)',
          unit: 'MB',
          value: (rssAfter - rssBefore) / MB,
        },
        {
          key: 'backlog.rss.growth20',
          label: 'RSS growth (20 s after the last accept - idle)',
          unit: 'MB',
          value: (rss20 - rssBefore) / MB,
        },
        {
          key: 'backlog.rss.growthEnd',
          label: `RSS growth (after idle ${idleS} s more - idle)`,
          unit: 'MB',
          value: (rssEnd - rssBefore) / MB,
        },
        {
          key: 'backlog.rss.settled',
          label: 'from the last accept until RSS stayed ≤ idle + 20 MB',
          unit: 's',
          value: (settled - acceptedAt) / 1000,
        },
        {
          key: 'backlog.cpu.service',
          label: `idle CPU of service/worker over ${idleS} s`,
          unit: 'cpu s',
          value: cpu1[0] - cpu0[0],
        },
        {
          key: 'backlog.cpu.redis',
          label: `idle CPU of redis-server over ${idleS} s`,
          unit: 'cpu s',
          value: cpu1[1] - cpu0[1],
        },
        {
          key: 'backlog.redisPerTask',
          label: 'Redis memory per pending task',
          unit: 'B',
          value: (memAfter - memBefore) / n,
        },
      ];
    } finally {
      sampler.stop();
    }
  },
};

const crash: Scenario = {
  name: 'crash',
  describe: (p) =>
    `${p.n ?? 10_000} tasks due together on 2 processes; SIGKILL the busier one when half ran`,
  async run(system, redis, p) {
    const n = p.n ?? 10_000;
    const concurrency = p.concurrency ?? 50;
    const children = await system.start(redis, 2, { concurrency });
    await sleep(1000);
    const tracker = new RunTracker(children);
    const dueMs = nextSecond(Date.now() + leadFor(p, n));
    await system.submit(n, (i) => ({ id: String(i), dueMs }), 'bulk');
    warnIfLate(system, Date.now(), dueMs);
    await tracker.waitDistinct(Math.ceil(n / 2), dueMs + 120_000);
    const victim = children.reduce((a, b) => (b.ids.length > a.ids.length ? b : a));
    victim.kill();
    const killedAt = Date.now();
    const ranBeforeKill = tracker.distinct;
    await victim.exited;
    // BullMQ's stalled-job check runs every 30 s: what has not run 90 s after the kill never does.
    const all = await tracker.waitDistinct(n, killedAt + 90_000);
    if (!all)
      console.warn(
        `  ! ${system.key}: only ${tracker.distinct} of ${n} ran within 90 s of the kill`,
      );
    const lastFirstStart = max([...tracker.firstStart.values()]);
    const reruns = tracker.total - tracker.distinct;
    return [
      {
        key: 'crash.concurrency',
        label: 'concurrency per process',
        unit: 'count',
        value: concurrency,
      },
      {
        key: 'crash.atKill',
        label: 'distinct tasks run when killed',
        unit: 'count',
        value: ranBeforeKill,
      },
      {
        key: 'crash.recover',
        label: 'time from kill until all ran',
        unit: 's',
        value: (lastFirstStart - killedAt) / 1000,
      },
      {
        key: 'crash.lost',
        label: 'lost (never ran within 90 s of the kill)',
        unit: 'count',
        value: n - tracker.distinct,
      },
      {
        key: 'crash.twice',
        label: 'tasks run more than once',
        unit: 'count',
        value: tracker.ranTwice(),
      },
      {
        key: 'crash.reruns',
        label: 're-runs (runs beyond one per task)',
        unit: 'count',
        value: reruns,
        // Issue 11: re-runs only of what can be in flight, at most concurrency + 100.
        targets: [{ max: concurrency + 100 }],
      },
    ];
  },
};

const emit: Scenario = {
  name: 'emit',
  describe: (p) =>
    `${p.n ?? 50_000} tasks (due in 1 h) submitted one call each: Nest ClientProxy.emit / Queue.add`,
  async run(system, redis, p) {
    const n = p.n ?? 50_000;
    const { sampler } = await startOne(system, redis);
    try {
      const dueMs = Date.now() + 3_600_000;
      const { elapsedMs } = await system.submit(n, (i) => ({ id: String(i), dueMs }), 'single');
      return [
        {
          key: 'emit.submit',
          label: 'submit rate, one call per task',
          unit: 'tasks/s',
          value: (n / elapsedMs) * 1000,
        },
        { key: 'emit.rss.peak', label: 'RSS peak', unit: 'MB', value: sampler.peak() / MB },
      ];
    } finally {
      sampler.stop();
    }
  },
};

/** What submitting to one task type took, summed over its rounds. */
interface IngestCost {
  tasks: number;
  elapsedMs: number;
  cpuSeconds: number;
}

/** The payload scenario's two task types: the Url taken as is, or checked by a payload class. */
const PAYLOAD_VARIANTS = {
  unchecked: { checked: false, label: 'no payload class' },
  checked: { checked: true, label: 'payload class PingPayload' },
} as const;
type PayloadVariant = keyof typeof PAYLOAD_VARIANTS;

const payload: Scenario = {
  name: 'payload',
  systems: ['ours'],
  describe: (p) =>
    `${p.n ?? 50_000} once tasks with a Url (due in 1 h) to a type without a payload class, and ` +
    `as many to one whose class (PingPayload) checks the Url, in alternating rounds`,
  async run(system, redis, p) {
    const n = p.n ?? 50_000;
    const { child, sampler } = await startOne(system, redis);
    try {
      const dueMs = Date.now() + 3_600_000;
      const costs: Record<PayloadVariant, IngestCost> = {
        unchecked: { tasks: 0, elapsedMs: 0, cpuSeconds: 0 },
        checked: { tasks: 0, elapsedMs: 0, cpuSeconds: 0 },
      };
      let submitted = 0;
      const round = async (variant: PayloadVariant, count: number): Promise<IngestCost> => {
        const from = submitted;
        submitted += count;
        const { checked } = PAYLOAD_VARIANTS[variant];
        const url = (i: number) => ({ value: `http://127.0.0.1:8080/ping/${from + i}`, checked });
        const cpuBefore = cpuSeconds(child.pid);
        const { elapsedMs } = await system.submit(
          count,
          (i) => ({ id: String(from + i), dueMs, url: url(i) }),
          'bulk',
        );
        return { tasks: count, elapsedMs, cpuSeconds: cpuSeconds(child.pid) - cpuBefore };
      };
      // Unmeasured: both ways through ingest are compiled by the JIT before either is timed.
      for (const variant of ['unchecked', 'checked'] as const) {
        await round(variant, Math.ceil(n / 10));
      }
      // A B B A: neither variant always meets the warmer process or the fuller Redis.
      for (const variant of ['unchecked', 'checked', 'checked', 'unchecked'] as const) {
        const cost = await round(variant, Math.ceil(n / 2));
        costs[variant].tasks += cost.tasks;
        costs[variant].elapsedMs += cost.elapsedMs;
        costs[variant].cpuSeconds += cost.cpuSeconds;
      }
      return (['unchecked', 'checked'] as const).flatMap((variant): Figure[] => {
        const { tasks, elapsedMs, cpuSeconds: cpu } = costs[variant];
        const { label } = PAYLOAD_VARIANTS[variant];
        return [
          {
            key: `payload.submit.${variant}`,
            label: `submit rate, ${label}`,
            unit: 'tasks/s',
            value: (tasks / elapsedMs) * 1000,
          },
          {
            key: `payload.cpu.${variant}`,
            label: `CPU of the service per task, ${label}`,
            unit: 'µs',
            value: (cpu / tasks) * 1e6,
          },
        ];
      });
    } finally {
      sampler.stop();
    }
  },
};

/** The HTTP server of `burst-http` (bench/children/http-target.ts), in a process of its own. */
class HttpTarget {
  private constructor(
    readonly child: MeasuredChild,
    readonly url: string,
  ) {}

  static async start(): Promise<HttpTarget> {
    const port = await freePort();
    const child = MeasuredChild.spawn('http-target', childScript('http-target'), {
      BENCH_HTTP_PORT: String(port),
    });
    await child.ready;
    return new HttpTarget(child, `http://127.0.0.1:${port}/`);
  }

  counts(): Promise<{ requests: number; connections: number }> {
    return this.child.ask<{ type: 'count'; requests: number; connections: number }>({
      type: 'count',
    });
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}

/**
 * CPU seconds per run of the seed's ping handler alone (bench/children/ping-alone.ts: no scheduler,
 * its own HTTP server): the floor under any scheduler's CPU per task in burst-http.
 */
async function pingHandlerAlone(n: number, concurrency: number): Promise<number> {
  const target = await HttpTarget.start();
  try {
    const child = MeasuredChild.spawn('ping-alone', childScript('ping-alone'), {
      BENCH_HTTP_URL: target.url,
      BENCH_N: String(n),
      BENCH_CONCURRENCY: String(concurrency),
    });
    try {
      await child.ready;
      const before = cpuSeconds(child.pid);
      const { failed } = await child.ask<{ type: 'go'; failed: number }>({ type: 'go' });
      const cpu = cpuSeconds(child.pid) - before;
      if (failed > 0) console.warn(`  ! the ping handler alone: ${failed} of ${n} runs failed`);
      return cpu / n;
    } finally {
      await child.stop();
    }
  } finally {
    await target.stop();
  }
}

const burstHttp: Scenario = {
  name: 'burst-http',
  describe: (p) =>
    `${p.n ?? 50_000} once tasks due within ${(p.over ?? 1000) / 1000} s, submitted at once; the ` +
    `handler (ours: the seed's OncePingTask) GETs a local HTTP server and logs a line; ` +
    `concurrency ${p.concurrency ?? 64}`,
  async run(system, redis, p) {
    const n = p.n ?? 50_000;
    const over = p.over ?? 1000;
    const concurrency = p.concurrency ?? 64;
    const handlerAlone = system.key === 'ours' ? await pingHandlerAlone(n, concurrency) : NaN;
    const target = await HttpTarget.start();
    try {
      const [child] = await system.start(redis, 1, { concurrency });
      const sampler = new RssSampler(child.pid);
      try {
        await sleep(1000);
        const tracker = new RunTracker([child]);
        const idleRss = rssBytes(child.pid);
        const first = nextSecond(Date.now() + leadFor(p, n));
        const dueOf = (i: number) => first + Math.floor((i * over) / n);
        const pids = [child.pid, redis.pid, target.child.pid];
        const cpu = () => pids.map(cpuSeconds);
        const cpu0 = cpu();
        const submitFrom = Date.now();
        const { elapsedMs } = await system.submit(
          n,
          (i) => ({ id: String(i), dueMs: dueOf(i), ping: `${target.url}ping/${i}` }),
          'bulk',
        );
        const submittedAt = Date.now();
        const cpu1 = cpu();
        const gc = p.gcProbes === true;
        const heapSubmitted = await child.memoryUsage(gc);
        warnIfLate(system, Date.now(), first);
        await tracker.waitDistinct(Math.ceil(n / 2), first + over + 180_000);
        const heapHalf = await child.memoryUsage(gc);
        const all = await tracker.waitDistinct(n, first + over + 180_000);
        const cpu2 = cpu();
        const heapDrained = await child.memoryUsage(gc);
        const partsDrained = rssParts(child.pid);
        if (!all) {
          console.warn(`  ! ${system.key}: only ${tracker.distinct} of ${n} ran within 180 s`);
        }
        const late = lateness(tracker, (id) => dueOf(Number(id)));
        let lastStart = NaN;
        for (const { start } of tracker.runs()) if (!(start <= lastStart)) lastStart = start;
        const drainedAt = Date.now();
        await sleep(5000);
        const afterRss = rssBytes(child.pid);
        const heapCollected = await child.memoryUsage(true);
        const collectedRss = rssBytes(child.pid);
        const partsCollected = rssParts(child.pid);
        const served = await target.counts();
        const perTask = (from: number[], to: number[], i: number) => ((to[i] - from[i]) / n) * 1e6;
        const gcNote = gc ? ' (forced GC first)' : '';
        return [
          {
            key: 'burst-http.submit',
            label: 'submit rate',
            unit: 'tasks/s',
            value: (n / elapsedMs) * 1000,
          },
          ...latenessFigures('burst-http.late', late),
          {
            key: 'burst-http.last',
            label: 'last task started after the due second',
            unit: 's',
            value: (lastStart - first) / 1000,
          },
          {
            key: 'burst-http.throughput',
            label: 'throughput (n / last-started-after-due)',
            unit: 'tasks/s',
            value: (tracker.distinct / (lastStart - first)) * 1000,
          },
          {
            key: 'burst-http.rss.idle',
            label: 'RSS idle (before submit)',
            unit: 'MB',
            value: idleRss / MB,
          },
          {
            key: 'burst-http.rss.peak',
            label: 'RSS peak',
            unit: 'MB',
            value: sampler.peak(0, drainedAt) / MB,
          },
          {
            key: 'burst-http.rss.peakSubmit',
            label: 'RSS peak while submitting',
            unit: 'MB',
            value: sampler.peak(submitFrom, submittedAt) / MB,
          },
          {
            key: 'burst-http.rss.peakDrain',
            label: 'RSS peak from the first due time until the last ran',
            unit: 'MB',
            value: sampler.peak(first, drainedAt) / MB,
          },
          {
            key: 'burst-http.rss.after',
            label: 'RSS 5 s after drain',
            unit: 'MB',
            value: afterRss / MB,
          },
          ...heapFigures('burst-http.heap.submitted', `all submitted${gcNote}`, heapSubmitted),
          ...heapFigures('burst-http.heap.half', `half ran${gcNote}`, heapHalf),
          ...heapFigures('burst-http.heap.drained', `when the last task ran${gcNote}`, heapDrained),
          ...rssPartFigures('burst-http.rss.drained', 'when the last task ran', partsDrained),
          ...heapFigures('burst-http.heap.gc', '5 s later, after a forced full GC', heapCollected),
          {
            key: 'burst-http.rss.gc',
            label: 'RSS after that forced GC (diagnosis)',
            unit: 'MB',
            value: collectedRss / MB,
          },
          ...rssPartFigures('burst-http.rss.gc', 'after that forced GC', partsCollected),
          {
            key: 'burst-http.cpu.perTask',
            label: 'CPU of service/worker per task, submit + drain',
            unit: 'µs',
            value: perTask(cpu0, cpu2, 0),
          },
          ...(Number.isNaN(handlerAlone)
            ? []
            : [
                {
                  key: 'burst-http.cpu.handlerAlone',
                  label:
                    'CPU per task of the ping handler alone (no scheduler: the floor under ours)',
                  unit: 'µs' as const,
                  value: handlerAlone * 1e6,
                },
                {
                  key: 'burst-http.cpu.beyondHandler',
                  label:
                    'CPU of the service per task beyond the handler alone (ingest, scheduling, store)',
                  unit: 'µs' as const,
                  value: perTask(cpu0, cpu2, 0) - handlerAlone * 1e6,
                },
              ]),
          {
            key: 'burst-http.cpu.submit',
            label: 'CPU of service/worker per task, while submitting',
            unit: 'µs',
            value: perTask(cpu0, cpu1, 0),
          },
          {
            key: 'burst-http.cpu.drain',
            label: 'CPU of service/worker per task, after submitting',
            unit: 'µs',
            value: perTask(cpu1, cpu2, 0),
          },
          {
            key: 'burst-http.cpu.redis',
            label: 'CPU of redis-server per task, submit + drain',
            unit: 'µs',
            value: perTask(cpu0, cpu2, 1),
          },
          {
            key: 'burst-http.cpu.http',
            label: 'CPU of the HTTP server per task (same server both sides)',
            unit: 'µs',
            value: perTask(cpu0, cpu2, 2),
          },
          {
            key: 'burst-http.requests',
            label: 'HTTP requests served',
            unit: 'count',
            value: served.requests,
          },
          {
            key: 'burst-http.connections',
            label: 'HTTP connections opened',
            unit: 'count',
            value: served.connections,
          },
          {
            key: 'burst-http.lost',
            label: 'never ran (no line logged)',
            unit: 'count',
            value: n - tracker.distinct,
          },
          {
            key: 'burst-http.twice',
            label: 'ran more than once',
            unit: 'count',
            value: tracker.ranTwice(),
          },
        ];
      } finally {
        sampler.stop();
      }
    } finally {
      await system.stop().catch(() => undefined);
      await target.stop();
    }
  },
};

const share: Scenario = {
  name: 'share',
  describe: (p) =>
    `${p.n ?? 400} tasks of ${p.work ?? 100} ms due at the same second, 2 instances at ` +
    `concurrency ${p.concurrency ?? 4}: when the last one starts, against the ideal`,
  async run(system, redis, p) {
    const n = p.n ?? 400;
    const work = p.work ?? 100;
    const concurrency = p.concurrency ?? 4;
    const instances = 2;
    const children = await system.start(redis, instances, { concurrency });
    await sleep(1000);
    const tracker = new RunTracker(children);
    const due = nextSecond(Date.now() + leadFor(p, n));
    const claims0 = await system.claimCounter();
    await system.submit(n, (i) => ({ id: String(i), dueMs: due, workMs: work }), 'bulk');
    warnIfLate(system, Date.now(), due);
    const all = await tracker.waitDistinct(n, due + 120_000);
    if (!all) console.warn(`  ! ${system.key}: only ${tracker.distinct} of ${n} ran within 120 s`);
    // The last runs end and their outcomes are written before the counter is read again.
    await sleep(work + 2000);
    const claims1 = await system.claimCounter();
    const late = lateness(tracker, () => due);
    const ideal = (n * work) / (instances * concurrency) / 1000;
    const last = max(late) / 1000;
    const growth =
      claims0 === undefined || claims1 === undefined ? NaN : Number(claims1) - Number(claims0);
    return [
      { key: 'share.last', label: 'last task started after due', unit: 's', value: last },
      {
        key: 'share.ideal',
        label: 'ideal: n × work ÷ (instances × concurrency)',
        unit: 's',
        value: ideal,
      },
      { key: 'share.vsIdeal', label: 'last start ÷ ideal', unit: '×', value: last / ideal },
      ...latenessFigures('share.late', late, false),
      ...children.map(
        (child, i): Figure => ({
          key: `share.runs.${i}`,
          label: `runs on instance ${String.fromCharCode(65 + i)}`,
          unit: 'count',
          value: child.ids.length,
        }),
      ),
      {
        key: 'share.fence',
        label: 'fencing counter growth (GET {prefix}fence)',
        unit: 'count',
        value: growth,
      },
      {
        key: 'share.fence.extra',
        label: 'claims beyond one per task (growth - n)',
        unit: 'count',
        value: growth - n,
      },
      { key: 'share.lost', label: 'never ran', unit: 'count', value: n - tracker.distinct },
      { key: 'share.twice', label: 'ran more than once', unit: 'count', value: tracker.ranTwice() },
    ];
  },
};

const flood: Scenario = {
  name: 'flood',
  systems: ['ours'],
  describe: (p) =>
    `${p.n ?? 1_000_000} tasks as in backlog, published as fast as Redis takes them, never held ` +
    `back for ingest: how many are lost`,
  async run(system, redis, p) {
    if (!(system instanceof OurService)) throw new Error('flood runs on our service only');
    const n = p.n ?? 1_000_000;
    const { child, sampler } = await startOne(system, redis);
    try {
      const from = Date.now() + (p.lead ?? 600_000);
      const span = (p.over ?? 86_400_000) - (p.lead ?? 600_000);
      const result = await system.flood(n, (i) => ({
        id: String(i),
        dueMs: from + Math.floor((i * span) / n),
      }));
      const lost = n - result.accepted;
      console.log(
        `  ${system.key}: published ${n.toLocaleString('en-US')} without holding back; ` +
          `${result.accepted.toLocaleString('en-US')} accepted, ${lost.toLocaleString('en-US')} ` +
          `lost; Redis cut the subscriber off ${result.cutOff} time(s) ` +
          `(client-output-buffer-limit pubsub: ${result.limit}; highest output buffer ` +
          `${(result.peakOutputBuffer / MB).toFixed(1)} MB)`,
      );
      return [
        {
          key: 'flood.publish',
          label: 'publish rate (until Redis answered the last PUBLISH)',
          unit: 'tasks/s',
          value: (n / result.publishMs) * 1000,
        },
        { key: 'flood.accepted', label: 'accepted', unit: 'count', value: result.accepted },
        {
          key: 'flood.lost',
          label: 'lost (published, never accepted)',
          unit: 'count',
          value: lost,
        },
        {
          key: 'flood.noSubscriber',
          label: 'published while no instance was subscribed',
          unit: 'count',
          value: result.noSubscriber,
        },
        {
          key: 'flood.cutOff',
          label: 'subscriber connections cut off by Redis',
          unit: 'count',
          value: result.cutOff,
        },
        {
          key: 'flood.outputBuffer',
          label: 'highest pub/sub output buffer in Redis',
          unit: 'MB',
          value: result.peakOutputBuffer / MB,
        },
        { key: 'flood.rss.peak', label: 'RSS peak', unit: 'MB', value: sampler.peak() / MB },
        {
          key: 'flood.child',
          label: 'service still running',
          unit: 'count',
          value: Number(child.running),
        },
      ];
    } finally {
      sampler.stop();
    }
  },
};

/** One measured round of `stream`: which way in, and what it took. */
interface InboxRound {
  way: 'pubsub' | 'stream';
  tasks: number;
  elapsedMs: number;
  /** stream: from the first XADD until Redis answered the last (the client's `emit` completes then). */
  addMs: number;
  /** pub/sub: ms the producer waited for ingest (`MAX_AHEAD`); the stream's producer never waits. */
  heldBackMs: number;
  /** CPU seconds of the service and of redis-server over the round. */
  cpuService: number;
  cpuRedis: number;
}

/**
 * Issue 9's figures: the stream inbox's accept rate against the pub/sub submit rate of `burst`
 * (`OurService.submit`, unchanged) in the same run, then a flood into the stream on a fresh
 * instance: what the service's RSS does while the flood waits in Redis, and whether every entry
 * is stored.
 */
const stream: Scenario = {
  name: 'stream',
  systems: ['ours'],
  describe: (p) =>
    `${p.n ?? 50_000} once tasks due in ${(p.lead ?? 3_600_000) / 60_000} min per round, by ` +
    `pipelined XADD into the stream inbox or pipelined PUBLISH (as burst), rounds pub/sub, ` +
    `stream, stream, pub/sub after an unmeasured warm-up; then ` +
    `${(p.flood ?? 1_000_000).toLocaleString('en-US')} entries XADDed as fast as Redis takes ` +
    `them (never held back) on a fresh instance: RSS against its idle, time until all stored, lost`,
  async run(system, redis, p) {
    if (!(system instanceof OurService)) throw new Error('stream runs on our service only');
    const n = p.n ?? 50_000;
    const floodN = p.flood ?? 1_000_000;
    const lead = p.lead ?? 3_600_000;
    const figures = await streamAgainstPubsub(system, redis, n, lead);
    if (floodN > 0) {
      // The flood's "idle" is a fresh instance's, as in every other scenario, on an empty Redis.
      await system.stop();
      await redis.admin.flushall();
      figures.push(...(await streamFlood(system, redis, floodN, lead, p.over ?? 82_800_000)));
    }
    return figures;
  },
};

async function streamAgainstPubsub(
  system: OurService,
  redis: BenchRedis,
  n: number,
  lead: number,
): Promise<Figure[]> {
  const { child, sampler } = await startOne(system, redis);
  try {
    const dueMs = nextSecond(Date.now() + lead);
    let submitted = 0;
    const round = async (way: InboxRound['way'], count: number): Promise<InboxRound> => {
      const from = submitted;
      submitted += count;
      const task = (i: number) => ({ id: String(from + i), dueMs });
      const cpu0 = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      const result: SubmitResult & { addMs?: number } =
        way === 'pubsub'
          ? await system.submit(count, task, 'bulk')
          : await system.submitStream(count, task);
      const { elapsedMs, heldBackMs = 0, addMs = NaN } = result;
      const cpu1 = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
      return {
        way,
        tasks: count,
        elapsedMs,
        addMs,
        heldBackMs,
        cpuService: cpu1[0] - cpu0[0],
        cpuRedis: cpu1[1] - cpu0[1],
      };
    };
    // Unmeasured: both ways through ingest are compiled by the JIT before either is timed.
    await round('pubsub', Math.ceil(n / 10));
    await round('stream', Math.ceil(n / 10));
    // A B B A: neither way always meets the warmer process or the fuller Redis.
    const rounds: InboxRound[] = [];
    for (const way of ['pubsub', 'stream', 'stream', 'pubsub'] as const) {
      rounds.push(await round(way, n));
    }
    console.log(
      `  ours: rounds ${rounds
        .map(
          (r) => `${r.way} ${Math.round((r.tasks / r.elapsedMs) * 1000).toLocaleString('en-US')}/s`,
        )
        .join(', ')} (the stream's producer is never held back)`,
    );
    const total = (way: InboxRound['way']) => {
      const mine = rounds.filter((r) => r.way === way);
      const sum = (pick: (r: InboxRound) => number) => mine.reduce((a, r) => a + pick(r), 0);
      const tasks = sum((r) => r.tasks);
      return {
        rate: (tasks / sum((r) => r.elapsedMs)) * 1000,
        heldBackMs: sum((r) => r.heldBackMs),
        addRate: (tasks / sum((r) => r.addMs)) * 1000,
        cpuService: (sum((r) => r.cpuService) / tasks) * 1e6,
        cpuRedis: (sum((r) => r.cpuRedis) / tasks) * 1e6,
      };
    };
    const viaStream = total('stream');
    const viaPubsub = total('pubsub');
    return [
      {
        key: 'stream.accept',
        label: 'stream accept rate (first XADD → all stored)',
        unit: 'tasks/s',
        value: viaStream.rate,
      },
      {
        key: 'stream.added',
        label: 'stream: rate Redis answered the XADDs (a producer holds its tasks safe then)',
        unit: 'tasks/s',
        value: viaStream.addRate,
      },
      {
        key: 'stream.pubsub',
        label: 'pub/sub submit rate, same tasks (as burst)',
        unit: 'tasks/s',
        value: viaPubsub.rate,
      },
      {
        key: 'stream.ratio',
        label: 'stream accept rate ÷ pub/sub submit rate',
        unit: '×',
        value: viaStream.rate / viaPubsub.rate,
      },
      {
        // Over 50,000 published tasks not yet accepted the producer waits (MAX_AHEAD); it must
        // not, or the pub/sub figure would be a throttled one. submit() says so when it does.
        key: 'stream.pubsub.heldBack',
        label: 'pub/sub producer held back for ingest (pub/sub limit)',
        unit: 's',
        value: viaPubsub.heldBackMs / 1000,
      },
      {
        key: 'stream.cpu.stream',
        label: 'CPU of the service per task, stream',
        unit: 'µs',
        value: viaStream.cpuService,
      },
      {
        key: 'stream.cpu.pubsub',
        label: 'CPU of the service per task, pub/sub',
        unit: 'µs',
        value: viaPubsub.cpuService,
      },
      {
        key: 'stream.cpuRedis.stream',
        label: 'CPU of redis-server per task, stream',
        unit: 'µs',
        value: viaStream.cpuRedis,
      },
      {
        key: 'stream.cpuRedis.pubsub',
        label: 'CPU of redis-server per task, pub/sub',
        unit: 'µs',
        value: viaPubsub.cpuRedis,
      },
      {
        key: 'stream.rss.peak',
        label: 'RSS peak over these rounds',
        unit: 'MB',
        value: sampler.peak() / MB,
      },
    ];
  } finally {
    sampler.stop();
  }
}

async function streamFlood(
  system: OurService,
  redis: BenchRedis,
  n: number,
  lead: number,
  over: number,
): Promise<Figure[]> {
  const { child, sampler } = await startOne(system, redis);
  try {
    const idleRss = rssBytes(child.pid);
    const idleParts = rssParts(child.pid);
    const heapIdle = await child.memoryUsage();
    // Diagnosis of the RSS: the V8 heap's own view every 250 ms (an IPC question, no forced GC).
    const heapPeak = { used: heapIdle.heapUsed, total: heapIdle.heapTotal };
    const heapSeries: { at: number; used: number; total: number }[] = [];
    const heapTimer = setInterval(() => {
      void child.memoryUsage().then((usage) => {
        heapPeak.used = Math.max(heapPeak.used, usage.heapUsed);
        heapPeak.total = Math.max(heapPeak.total, usage.heapTotal);
        heapSeries.push({ at: Date.now(), used: usage.heapUsed, total: usage.heapTotal });
      });
    }, 250);
    const first = Date.now() + lead;
    const cpu0 = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
    // The peak is the kernel's high-water mark from here on: the 100 ms samples miss what lies
    // between them, and the harness, busy adding, takes them late (up to ~1.5 s apart).
    const highWaterReset = resetRssHighWater(child.pid);
    const started = Date.now();
    let result: StreamFloodResult;
    try {
      result = await system.streamFlood(n, (i) => ({
        id: String(i),
        dueMs: first + Math.floor((i * over) / n),
      }));
    } finally {
      clearInterval(heapTimer);
    }
    const endedAt = Date.now();
    const cpu1 = [cpuSeconds(child.pid), cpuSeconds(redis.pid)];
    const highWater = highWaterReset ? rssHighWater(child.pid) : NaN;
    const sampledPeak = sampler.peak(started, endedAt);
    const samples = sampler.between(started, endedAt);
    let widestGap = 0;
    for (let i = 1; i < samples.length; i++) {
      widestGap = Math.max(widestGap, samples[i].at - samples[i - 1].at);
    }
    // Without the high-water mark (a kernel that refuses clear_refs) the samples' peak, said so.
    const peakRss = Number.isNaN(highWater) ? sampledPeak : Math.max(highWater, sampledPeak);
    const endParts = rssParts(child.pid);
    await sleep(5000);
    const afterRss = rssBytes(child.pid);
    const left = await system.streamLength();
    const heapCollected = await child.memoryUsage(true);
    const collectedRss = rssBytes(child.pid);
    const collectedParts = rssParts(child.pid);
    const lost = n - result.stored;
    writeMemorySeries(
      join(RUNS_DIR, 'stream-flood-memory.tsv'),
      started,
      sampler.between(started, endedAt),
      heapSeries,
    );
    console.log(
      `  ours: ${n.toLocaleString('en-US')} entries added in ${(result.addMs / 1000).toFixed(1)} s; ` +
        `${result.stored.toLocaleString('en-US')} stored ` +
        (Number.isNaN(result.storedMs)
          ? `when storing stalled (15 s without progress)`
          : `${(result.storedMs / 1000).toFixed(1)} s after the first XADD`) +
        `; at most ${result.peakBacklog.toLocaleString('en-US')} waited in the stream; RSS idle ` +
        `${(idleRss / MB).toFixed(1)} MB, peak ${(peakRss / MB).toFixed(1)} MB ` +
        (Number.isNaN(highWater)
          ? `(of the 100 ms samples only: the kernel refused to reset VmHWM)`
          : `(VmHWM; the samples' highest: ${(sampledPeak / MB).toFixed(1)} MB, widest gap ` +
            `between them ${widestGap} ms)`),
    );
    return [
      {
        key: 'stream.flood.add',
        label: 'flood: add rate (first XADD → Redis answered the last)',
        unit: 'tasks/s',
        value: (n / result.addMs) * 1000,
      },
      {
        key: 'stream.flood.time',
        label: 'flood: first XADD → all stored',
        unit: 's',
        value: result.storedMs / 1000,
      },
      {
        key: 'stream.flood.rate',
        label: 'flood: accept rate (n ÷ that)',
        unit: 'tasks/s',
        value: (n / result.storedMs) * 1000,
      },
      { key: 'stream.flood.stored', label: 'flood: stored', unit: 'count', value: result.stored },
      {
        key: 'stream.flood.lost',
        label: 'flood: lost (added, never stored)',
        unit: 'count',
        value: lost,
      },
      {
        key: 'stream.flood.dead',
        label: 'flood: dead-lettered',
        unit: 'count',
        value: result.deadLettered,
      },
      {
        key: 'stream.flood.backlog',
        label: 'flood: highest stream length (waiting in Redis)',
        unit: 'count',
        value: result.peakBacklog,
      },
      {
        key: 'stream.flood.left',
        label: 'flood: entries left in the stream 5 s after all stored',
        unit: 'count',
        value: left,
      },
      {
        key: 'stream.flood.rss.idle',
        label: 'flood: RSS idle (fresh instance, before the flood)',
        unit: 'MB',
        value: idleRss / MB,
      },
      {
        key: 'stream.flood.rss.peak',
        label: Number.isNaN(highWater)
          ? 'flood: RSS peak (first XADD → all stored; 100 ms samples only)'
          : 'flood: RSS peak (first XADD → all stored; kernel high-water mark)',
        unit: 'MB',
        value: peakRss / MB,
      },
      {
        key: 'stream.flood.rss.growth',
        label: 'flood: RSS peak - idle',
        unit: 'MB',
        value: (peakRss - idleRss) / MB,
      },
      {
        key: 'stream.flood.rss.sampled',
        label: 'flood: RSS peak of the 100 ms samples (cross-check)',
        unit: 'MB',
        value: sampledPeak / MB,
      },
      {
        key: 'stream.flood.rss.after',
        label: 'flood: RSS 5 s after all stored',
        unit: 'MB',
        value: afterRss / MB,
      },
      {
        key: 'stream.flood.heap.idle',
        label: 'flood: heap used, idle',
        unit: 'MB',
        value: heapIdle.heapUsed / MB,
      },
      {
        key: 'stream.flood.heap.idleTotal',
        label: 'flood: heap reserved, idle',
        unit: 'MB',
        value: heapIdle.heapTotal / MB,
      },
      {
        key: 'stream.flood.heap.peak',
        label: 'flood: heap used, highest of the 250 ms samples',
        unit: 'MB',
        value: heapPeak.used / MB,
      },
      {
        key: 'stream.flood.heap.peakTotal',
        label: 'flood: heap reserved, highest of the 250 ms samples',
        unit: 'MB',
        value: heapPeak.total / MB,
      },
      ...heapFigures(
        'stream.flood.heap.gc',
        '5 s after all stored, after a forced full GC',
        heapCollected,
      ),
      {
        key: 'stream.flood.rss.gc',
        label: 'flood: RSS after that forced GC (diagnosis)',
        unit: 'MB',
        value: collectedRss / MB,
      },
      ...rssPartFigures('stream.flood.parts.idle', 'before the flood', idleParts),
      ...rssPartFigures('stream.flood.parts.end', 'when the flood was all stored', endParts),
      ...rssPartFigures('stream.flood.parts.gc', 'after that forced GC', collectedParts),
      {
        key: 'stream.flood.cpu',
        label: 'flood: CPU of the service per task',
        unit: 'µs',
        value: ((cpu1[0] - cpu0[0]) / n) * 1e6,
      },
      {
        key: 'stream.flood.cpuRedis',
        label: 'flood: CPU of redis-server per task',
        unit: 'µs',
        value: ((cpu1[1] - cpu0[1]) / n) * 1e6,
      },
      {
        key: 'stream.flood.child',
        label: 'flood: service still running',
        unit: 'count',
        value: Number(child.running),
      },
    ];
  } finally {
    sampler.stop();
  }
}

/**
 * Diagnosis of the flood's RSS: one line per 100 ms RSS sample (ms since the first XADD, RSS, and
 * the latest heap reading before it), to tell a transient peak from a lasting one.
 */
function writeMemorySeries(
  file: string,
  started: number,
  rss: { at: number; rss: number }[],
  heap: { at: number; used: number; total: number }[],
): void {
  const lines = ['ms\trss_mb\theap_used_mb\theap_reserved_mb'];
  let h = -1;
  for (const sample of rss) {
    while (h + 1 < heap.length && heap[h + 1].at <= sample.at) h++;
    const usage = heap[h];
    lines.push(
      [
        sample.at - started,
        (sample.rss / MB).toFixed(1),
        usage ? (usage.used / MB).toFixed(1) : '',
        usage ? (usage.total / MB).toFixed(1) : '',
      ].join('\t'),
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

export const SCENARIOS: Scenario[] = [
  burst,
  burstHttp,
  spread,
  idle,
  periodic,
  share,
  emit,
  payload,
  crash,
  backlog,
  flood,
  stream,
];
