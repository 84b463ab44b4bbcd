import type { Hit, PingServer } from './ping-server';
import { gridOf, type SubmittedTask } from './workload';

/** One run a service reported in its log (the ping handlers log each finished run). */
export interface LoggedRun {
  readonly id: string;
  readonly scheduledAt: number;
  readonly startedAt: number;
  readonly attempt: number;
}

/**
 * A fault the checks must account for. Handlers in flight at an instance kill (or whose outcome
 * could not reach Redis during an outage) may legitimately run a second time; nothing else may.
 */
export interface Fault {
  readonly kind: 'instance-kill' | 'redis-outage';
  readonly label: string;
  /** When it began (the kill). */
  readonly at: number;
  /** When it ended (Redis answering again); an instance kill is instantaneous. */
  readonly until?: number;
}

export interface DoubleRun {
  readonly id: string;
  readonly kind: SubmittedTask['kind'];
  /** Runs beyond the one expected per occurrence. */
  readonly extra: number;
  /** The fault at which an earlier run was in flight, when there was one for every extra run. */
  readonly inFlightAt?: string;
  /** What the ping server saw of its runs: the evidence a failure prints. */
  readonly hits: readonly Hit[];
}

export interface LedgerReport {
  readonly submitted: { once: number; periodic: number };
  readonly occurrences: { once: number; periodic: number };
  readonly ran: { once: number; periodic: number };
  /** Occurrences that never ran and are not explained by the periodic catch-up rule. */
  readonly lost: { id: string; kind: SubmittedTask['kind']; scheduledAt: number }[];
  /** Periodic occurrences skipped because the one before ran past them (by design: no burst). */
  readonly collapsed: number;
  readonly doubles: DoubleRun[];
  /** Runs that started before their scheduled time (by the wall clock of this host = Redis's). */
  readonly early: { id: string; scheduledAt: number; startedAt: number }[];
  /** Runs logged at a time that is not on the task's grid. */
  readonly offGrid: { id: string; scheduledAt: number }[];
  readonly worstLatenessMs: number;
  readonly p99LatenessMs: number;
  /** The faults the runs were checked against. */
  readonly faults: readonly Fault[];
}

export interface LedgerOptions {
  /**
   * A handler that answered less than this before a kill may not have had its outcome written to
   * Redis yet (outcomes are flushed in batches right after): it still counts as in flight.
   */
  inFlightMarginMs?: number;
  /**
   * A periodic occurrence is skipped by design when the run before it was recorded after its time
   * (the next occurrence is computed at completion). A run counts as recorded this long after its
   * handler was answered, or after the Redis outage it was answered in.
   */
  recordSlackMs?: number;
}

const RUN_LINE =
  /(?:OncePingTask|PeriodPingTask) (\S+) ToRunAt (\S+) RunAt (\S+) \(\+(-?\d+) ms\), attempt (\d+)/g;

/** Every run the ping handlers logged in `logs` (one service's output, or several joined). */
export function parseRunLogs(logs: string): LoggedRun[] {
  const runs: LoggedRun[] = [];
  for (const match of logs.matchAll(RUN_LINE)) {
    runs.push({
      id: match[1],
      scheduledAt: Date.parse(match[2]),
      startedAt: Date.parse(match[3]),
      attempt: Number(match[5]),
    });
  }
  return runs;
}

/**
 * Checks every submitted task against what actually happened: the ping server's hits (ground
 * truth that a handler ran; it sees even runs whose process died before logging) and the logged
 * runs (which occurrence each run was).
 */
export function analyseRuns(
  tasks: readonly SubmittedTask[],
  ping: PingServer,
  runs: readonly LoggedRun[],
  faults: readonly Fault[],
  options: LedgerOptions = {},
): LedgerReport {
  const margin = options.inFlightMarginMs ?? 1000;
  const slack = options.recordSlackMs ?? 1000;
  const hitsByKey = groupBy(ping.hits, (hit) => hit.key);
  const runsById = groupBy(runs, (run) => run.id);
  const report: Mutable<LedgerReport> = {
    submitted: { once: 0, periodic: 0 },
    occurrences: { once: 0, periodic: 0 },
    ran: { once: 0, periodic: 0 },
    lost: [],
    collapsed: 0,
    doubles: [],
    early: [],
    offGrid: [],
    worstLatenessMs: 0,
    p99LatenessMs: 0,
    faults,
  };
  const lateness: number[] = [];

  const inFlightAt = (hit: Hit): Fault | undefined =>
    faults.find((fault) => {
      const end = fault.until ?? fault.at;
      const started = hit.at <= end + 50;
      const unfinished = hit.finishedAt === undefined || hit.finishedAt >= fault.at - margin;
      if (fault.kind === 'redis-outage') return started && unfinished;
      // An instance kill: the run must also have been on the killed process, whose connections
      // to the ping server all closed at the kill.
      const closed = ping.closedAt(hit.socket);
      const onKilled =
        closed !== undefined && closed >= fault.at - 100 && closed <= fault.at + 3000;
      return started && unfinished && onKilled;
    });

  for (const task of tasks) {
    const hits = hitsByKey.get(task.id) ?? [];
    const logged = runsById.get(task.id) ?? [];
    const grid = owedGrid(task);
    const dueMs = Math.max(task.dueMs, task.owedFromMs ?? task.dueMs);
    report.submitted[task.kind]++;
    report.occurrences[task.kind] += grid.length;
    for (const run of logged) {
      if (run.startedAt < run.scheduledAt)
        report.early.push({ id: task.id, scheduledAt: run.scheduledAt, startedAt: run.startedAt });
    }
    for (const hit of hits) {
      if (hit.at < task.dueMs)
        report.early.push({ id: task.id, scheduledAt: task.dueMs, startedAt: hit.at });
    }

    // Distinct occurrences that ran (owed or not): every hit beyond these is a double run.
    let ranOccurrences: number;
    if (task.kind === 'once') {
      ranOccurrences = Math.min(1, hits.length);
      report.ran.once += ranOccurrences;
      if (hits.length === 0)
        report.lost.push({ id: task.id, kind: task.kind, scheduledAt: task.dueMs });
      else lateness.push(hits[0].at - dueMs);
    } else {
      // A grid time that was not owed (the task was accepted late) may still have run: not a fault.
      const onGrid = new Set(gridOf(task));
      const ranAt = new Set<number>();
      for (const run of logged) {
        if (onGrid.has(run.scheduledAt)) ranAt.add(run.scheduledAt);
        else report.offGrid.push({ id: task.id, scheduledAt: run.scheduledAt });
        lateness.push(run.startedAt - run.scheduledAt);
      }
      ranOccurrences = ranAt.size;
      report.ran.periodic += grid.filter((slot) => ranAt.has(slot)).length;
      for (const slot of grid) {
        if (ranAt.has(slot)) continue;
        const ranPast = logged.some(
          (run) => run.scheduledAt < slot && recordedBy(run, hits, faults) + slack >= slot,
        );
        if (ranPast) report.collapsed++;
        else report.lost.push({ id: task.id, kind: task.kind, scheduledAt: slot });
      }
    }

    const extra = hits.length - ranOccurrences;
    if (extra > 0) {
      // Every run beyond one per occurrence must be explained by an earlier run in flight at a fault.
      const explained = hits.map(inFlightAt).filter((fault) => fault !== undefined);
      report.doubles.push({
        id: task.id,
        kind: task.kind,
        extra,
        inFlightAt: explained.length >= extra ? explained[0].label : undefined,
        hits,
      });
    }
  }

  lateness.sort((a, b) => a - b);
  return {
    ...report,
    worstLatenessMs: lateness.at(-1) ?? 0,
    p99LatenessMs: lateness[Math.floor(lateness.length * 0.99)] ?? 0,
  };
}

/** The report as a plain-text table, for a test failure message or the chaos script's output. */
export function formatReport(report: LedgerReport): string {
  const unexplained = report.doubles.filter((d) => d.inFlightAt === undefined);
  const explained = report.doubles.filter((d) => d.inFlightAt !== undefined);
  const sum = (ds: DoubleRun[], kind: SubmittedTask['kind']): number =>
    ds.filter((d) => d.kind === kind).reduce((n, d) => n + d.extra, 0);
  const rows: [string, number | string, number | string][] = [
    ['tasks submitted', report.submitted.once, report.submitted.periodic],
    ['occurrences due', report.occurrences.once, report.occurrences.periodic],
    ['ran', report.ran.once, report.ran.periodic],
    ['lost', count(report.lost, 'once'), count(report.lost, 'periodic')],
    ['skipped by catch-up rule', '-', report.collapsed],
    ['ran twice, in flight at a fault', sum(explained, 'once'), sum(explained, 'periodic')],
    ['ran twice, unexplained', sum(unexplained, 'once'), sum(unexplained, 'periodic')],
    ['started early', report.early.length, ''],
    ['off-grid runs', '', report.offGrid.length],
  ];
  const lines = [`${pad('', 34)}${pad('once', 10)}${pad('periodic', 10)}`];
  for (const [label, once, periodic] of rows) {
    lines.push(`${pad(label, 34)}${pad(String(once), 10)}${pad(String(periodic), 10)}`);
  }
  lines.push(`${pad('worst lateness', 34)}${report.worstLatenessMs} ms`);
  lines.push(`${pad('p99 lateness', 34)}${report.p99LatenessMs} ms`);
  for (const fault of report.faults) {
    const until = fault.until === undefined ? '' : ` until ${clock(fault.until)}`;
    lines.push(`  fault: ${fault.label} at ${clock(fault.at)}${until}`);
  }
  for (const d of report.doubles.slice(0, 20)) {
    lines.push(
      `  double: ${d.kind} ${d.id} +${d.extra} ${d.inFlightAt ? `(in flight at ${d.inFlightAt})` : '(NOT in flight at any fault)'}`,
    );
    if (d.inFlightAt === undefined)
      for (const hit of d.hits) lines.push(`    hit ${hitTimes(hit)}`);
  }
  if (report.doubles.length > 20) lines.push(`  … ${report.doubles.length - 20} more doubles`);
  for (const l of report.lost.slice(0, 10)) {
    lines.push(`  lost: ${l.kind} ${l.id} due ${new Date(l.scheduledAt).toISOString()}`);
  }
  return lines.join('\n');
}

/** Acceptance may trail the last publish a little: that long after it, a grid time is owed. */
const ACCEPT_SLACK_MS = 1000;

/** The occurrences the service owes: all of them, unless the task was only accepted late. */
function owedGrid(task: SubmittedTask): number[] {
  const grid = gridOf(task);
  if (task.kind === 'once' || task.owedFromMs === undefined) return grid;
  return grid.filter((slot) => slot >= task.owedFromMs! + ACCEPT_SLACK_MS);
}

/** About when a run's outcome could reach Redis: its answer, or the end of the outage it fell in. */
function recordedBy(run: LoggedRun, hits: readonly Hit[], faults: readonly Fault[]): number {
  const hit = hits.find((h) => h.at >= run.startedAt - 50 && h.at <= run.startedAt + 2000);
  const answered = hit?.finishedAt ?? run.startedAt;
  const outage = faults.find(
    (f) => f.kind === 'redis-outage' && answered >= f.at - 1000 && answered <= (f.until ?? f.at),
  );
  return Math.max(answered, outage?.until ?? answered);
}

/** A wall-clock time to the millisecond, as the services' logs print it. */
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

function hitTimes(hit: Hit): string {
  const answered =
    hit.finishedAt === undefined ? 'never answered' : `answered ${clock(hit.finishedAt)}`;
  const aborted = hit.abortedAt === undefined ? '' : `, aborted ${clock(hit.abortedAt)}`;
  return `at ${clock(hit.at)}, ${answered}${aborted}`;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function count(items: { kind: SubmittedTask['kind'] }[], kind: SubmittedTask['kind']): number {
  return items.filter((item) => item.kind === kind).length;
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
