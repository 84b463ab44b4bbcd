import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident set size in bytes from /proc/<pid>/status (VmRSS); NaN once the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * The kernel's peak resident set size of the process (VmHWM in /proc/<pid>/status), in bytes: exact,
 * unlike samples, which miss what lies between them (and a busy harness takes them late). NaN once
 * the process is gone.
 */
export function rssHighWater(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Resets that peak to the process's RSS now (`5` into /proc/<pid>/clear_refs, Linux ≥ 4.0), so that
 * a later `rssHighWater` is the peak since this moment; false when the kernel refused it.
 */
export function resetRssHighWater(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU seconds the process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the comm field: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Resident bytes by kind of mapping, from /proc/<pid>/smaps (diagnosis of RSS). */
export interface RssParts {
  /** malloc's brk heap (`[heap]`): native allocations of Node, V8's C++ side, addons. */
  brk: number;
  /** Anonymous mappings: V8's heap pages, large malloc blocks (mmap), thread stacks. */
  anonymous: number;
  /** File-backed mappings: the node binary, shared libraries. */
  file: number;
}

export function rssParts(pid: number): RssParts {
  const parts: RssParts = { brk: NaN, anonymous: NaN, file: NaN };
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return parts;
  }
  parts.brk = 0;
  parts.anonymous = 0;
  parts.file = 0;
  let kind: keyof RssParts = 'anonymous';
  for (const line of text.split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (mapping) {
      const name = mapping[1].trim();
      kind = name === '[heap]' ? 'brk' : name.startsWith('/') ? 'file' : 'anonymous';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) parts[kind] += Number(rss[1]) * 1024;
  }
  return parts;
}

interface Sample {
  at: number;
  rss: number;
}

/** Samples the RSS of a process every 100 ms, from outside. */
export class RssSampler {
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(readonly pid: number) {
    this.take();
    this.timer = setInterval(() => this.take(), 100);
  }

  take(): number {
    const rss = rssBytes(this.pid);
    if (!Number.isNaN(rss)) this.samples.push({ at: Date.now(), rss });
    return rss;
  }

  /** Highest sample in [from, to] (the whole run by default). */
  peak(from = 0, to = Infinity): number {
    let peak = NaN;
    for (const { at, rss } of this.samples) {
      if (at >= from && at <= to && !(rss <= peak)) peak = rss;
    }
    return peak;
  }

  /** The samples in [from, to], oldest first. */
  between(from: number, to: number): { at: number; rss: number }[] {
    return this.samples.filter(({ at }) => at >= from && at <= to);
  }

  /**
   * The time of the first sample at or after `from` from which on every sample was at most
   * `limit` bytes; NaN when the last one was above it.
   */
  settledAtOrBelow(limit: number, from: number): number {
    let since = NaN;
    for (const { at, rss } of this.samples) {
      if (at < from) continue;
      if (rss > limit) since = NaN;
      else if (Number.isNaN(since)) since = at;
    }
    return since;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Busy CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/** CPU seconds of this process plus its children that have exited (and were waited for). */
export function ownTreeSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14-17 of proc(5).
  return (
    (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLK_TCK
  );
}
