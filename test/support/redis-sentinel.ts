import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';
import { RedisNodeProcess, waitFor } from './redis-node';

export interface RedisSentinelOptions {
  /** Replicas of the master (default 1). */
  replicas?: number;
  /** `down-after-milliseconds`: how long the master may be silent before the sentinels act (default 1000). */
  downAfterMs?: number;
  /** The name the sentinels monitor the master by (default "main"). */
  masterName?: string;
}

const READY_TIMEOUT_MS = 20_000;
const SENTINELS = 3;
const QUORUM = 2;

/**
 * A local primary with replicas under Sentinel for one test file: a master, `replicas` replicas
 * and three sentinels (quorum 2), on free ports, append-only; everything killed and its temp
 * dirs removed on stop() or when the test process exits.
 */
export class RedisSentinelProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'delaytask-sentinel-'));
  /** The master first, then the replicas. */
  readonly servers: RedisNodeProcess[] = [];
  readonly sentinels: RedisNodeProcess[] = [];
  readonly masterName: string;

  private constructor(private readonly options: Required<RedisSentinelOptions>) {
    this.masterName = options.masterName;
    live.add(this);
  }

  static async start(options: RedisSentinelOptions = {}): Promise<RedisSentinelProcess> {
    const setup = new RedisSentinelProcess({
      replicas: 1,
      downAfterMs: 1000,
      masterName: 'main',
      ...options,
    });
    try {
      await setup.launch();
    } catch (error) {
      await setup.stop();
      throw error;
    }
    return setup;
  }

  /** `redis+sentinel://…/<masterName>[/<db>]` for REDIS_URL. */
  url(db?: number): string {
    const sentinels = this.sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(',');
    return `redis+sentinel://${sentinels}/${this.masterName}${db === undefined ? '' : `/${db}`}`;
  }

  /** The port of the master the sentinels name now. */
  async masterPort(): Promise<number> {
    for (const sentinel of this.sentinels.filter((candidate) => candidate.running)) {
      const reply = await sentinel.command('SENTINEL', 'get-master-addr-by-name', this.masterName);
      if (Array.isArray(reply)) return Number(reply[1]);
    }
    throw new Error('no sentinel answers');
  }

  server(port: number): RedisNodeProcess {
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`no server on port ${port}`);
    return server;
  }

  /** SIGKILLs the master; resolves with its port once the process is gone. See waitForPromotion. */
  async killMaster(): Promise<number> {
    const port = await this.masterPort();
    await this.server(port).kill();
    return port;
  }

  /**
   * Resolves with the new master's port once the sentinels name another master than `oldPort`
   * and it says it is one.
   */
  async waitForPromotion(oldPort: number, timeoutMs = 20_000): Promise<number> {
    return waitFor(
      `a replica promoted in place of ${oldPort}`,
      async () => {
        const port = await this.masterPort().catch(() => oldPort);
        if (port === oldPort) return undefined;
        const info = await this.server(port).command('INFO', 'replication');
        return typeof info === 'string' && info.includes('role:master') ? port : undefined;
      },
      timeoutMs,
    );
  }

  /** Starts a killed server again; the sentinels make it a replica of the current master. */
  async restart(port: number): Promise<void> {
    await this.server(port).start();
  }

  /** Kills every process and removes the temp dirs. */
  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, ...this.servers].map((node) => node.kill()));
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  cleanupSync(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const { replicas, downAfterMs, masterName } = this.options;
    let masterPort = 0;
    for (let i = 0; i <= replicas; i++) {
      const port = await freePort();
      masterPort ||= port;
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
      args.push('--protected-mode', 'no', '--daemonize', 'no', '--save', '');
      args.push('--appendonly', 'yes', '--repl-diskless-sync-delay', '0');
      if (i > 0) args.push('--replicaof', '127.0.0.1', String(masterPort));
      this.servers.push(new RedisNodeProcess(port, args));
    }
    await Promise.all(this.servers.map((server) => server.start()));
    await waitFor(
      'the replicas in sync',
      async () => {
        const info = await this.servers[0].command('INFO', 'replication');
        if (typeof info !== 'string') return false;
        return (info.match(/slave\d+:.*state=online/g) ?? []).length === replicas;
      },
      READY_TIMEOUT_MS,
    );
    for (let i = 0; i < SENTINELS; i++) {
      const port = await freePort();
      const file = join(this.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${this.dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${QUORUM}`,
          `sentinel down-after-milliseconds ${masterName} ${downAfterMs}`,
          `sentinel failover-timeout ${masterName} ${Math.max(3 * downAfterMs, 3000)}`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      this.sentinels.push(new RedisNodeProcess(port, [file, '--sentinel']));
    }
    await Promise.all(this.sentinels.map((sentinel) => sentinel.start()));
    // A failover needs the sentinels to know each other (hello messages, every 2 s) and the replicas.
    await waitFor(
      'the sentinels knowing each other and the replicas',
      async () => {
        for (const sentinel of this.sentinels) {
          const peers = await sentinel.command('SENTINEL', 'sentinels', masterName);
          const known = await sentinel.command('SENTINEL', 'replicas', masterName);
          if (!Array.isArray(peers) || peers.length !== SENTINELS - 1) return false;
          if (!Array.isArray(known) || known.length !== replicas) return false;
        }
        return true;
      },
      READY_TIMEOUT_MS,
      200,
    );
  }
}

const live = new Set<RedisSentinelProcess>();
process.once('exit', () => {
  for (const setup of live) setup.cleanupSync();
});
