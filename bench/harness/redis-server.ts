import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../test/support/redis-server';
import { LIVE_PROCESSES } from './children';

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** A private redis-server on a free port (never 6379), no persistence, removed on stop. */
export class BenchRedis {
  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
    readonly dir: string,
    readonly admin: Redis,
  ) {}

  static async start(): Promise<BenchRedis> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'delaytask-bench-redis-'));
    const child = spawn(
      REDIS_BIN,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''].concat([
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
        '--daemonize',
        'no',
      ]),
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    LIVE_PROCESSES.add(child);
    child.once('exit', () => LIVE_PROCESSES.delete(child));
    const admin = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    admin.on('error', () => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await admin.connect();
        await admin.ping();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        admin.disconnect();
        await sleep(50);
      }
    }
    return new BenchRedis(port, child, dir, admin);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  async usedMemory(): Promise<number> {
    const info = await this.admin.info('memory');
    const match = /used_memory:(\d+)/.exec(info);
    return match ? Number(match[1]) : NaN;
  }

  /** Redis's `client-output-buffer-limit` for pub/sub clients, e.g. `32 MiB hard, 8 MiB for 60 s`. */
  pubsubOutputLimit(): Promise<string> {
    return pubsubOutputLimitOf(this.admin);
  }

  /** The pub/sub clients (`CLIENT LIST TYPE pubsub`): id and output buffer bytes (omem). */
  async pubsubClients(): Promise<{ id: number; omem: number }[]> {
    const list = (await this.admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
    return list
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => ({
        id: Number(/(?:^| )id=(\d+)/.exec(line)?.[1]),
        omem: Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0),
      }));
  }

  async commandStats(): Promise<string> {
    return this.admin.info('commandstats');
  }

  /** Logs every command into the slow log (diagnosis only: it costs Redis time itself). */
  async recordAllCommands(): Promise<void> {
    await this.admin.config('SET', 'slowlog-log-slower-than', '0');
    await this.admin.config('SET', 'slowlog-max-len', '1000000');
  }

  /**
   * Total and mean time per command, scripts named by the file whose SHA1 matches (`names`:
   * sha -> name). Entries are `[id, time, µs, args, …]`.
   */
  async slowlogSummary(names: Map<string, string>): Promise<string> {
    const entries = (await this.admin.call('SLOWLOG', 'GET', '-1')) as [
      number,
      number,
      number,
      string[],
    ][];
    const totals = new Map<string, { calls: number; us: number; max: number }>();
    for (const [, , us, args] of entries) {
      const command = String(args[0]).toLowerCase();
      const name =
        command === 'evalsha'
          ? `evalsha ${names.get(String(args[1])) ?? String(args[1])}`
          : command;
      const total = totals.get(name) ?? { calls: 0, us: 0, max: 0 };
      total.calls++;
      total.us += us;
      total.max = Math.max(total.max, us);
      totals.set(name, total);
    }
    return [...totals]
      .sort((a, b) => b[1].us - a[1].us)
      .map(
        ([name, t]) =>
          `${name.padEnd(32)} calls=${t.calls} total_ms=${(t.us / 1000).toFixed(1)} mean_us=${(t.us / t.calls).toFixed(0)} max_us=${t.max}`,
      )
      .join('\n');
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A Redis's `client-output-buffer-limit` for pub/sub clients, e.g. `32 MiB hard, 8 MiB for 60 s`. */
export async function pubsubOutputLimitOf(redis: Redis): Promise<string> {
  const [, setting] = (await redis.config('GET', 'client-output-buffer-limit')) as string[];
  const match = /pubsub (\d+) (\d+) (\d+)/.exec(setting);
  if (!match) return `unknown (${setting})`;
  const mib = (bytes: string) => `${Number(bytes) / 1024 / 1024} MiB`;
  return `${mib(match[1])} hard, ${mib(match[2])} for ${match[3]} s`;
}
