import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server';
import { RedisNodeProcess, waitFor } from './redis-node';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** Masters; each gets one replica (default 3, so six nodes). */
  masters?: number;
  /** `cluster-node-timeout`: how long a master may be silent before its failover (default 1000). */
  nodeTimeoutMs?: number;
  /** `requirepass` and `masterauth` of every node; none when absent. */
  password?: string;
}

/** A master of the cluster as the cluster sees it now. */
export interface ClusterMaster {
  id: string;
  port: number;
  /** Slot ranges, as CLUSTER NODES gives them ("0-5460"). */
  slots: string[];
}

const FORMED_TIMEOUT_MS = 20_000;

/**
 * A local Redis Cluster for one test file: `masters` masters with one replica each, on free
 * ports (client and bus port chosen apart, `cluster-port`), append-only, joined by
 * `redis-cli --cluster create … --cluster-replicas 1`, killed and removed with its temp dirs on
 * stop() or when the test process exits.
 */
export class RedisClusterProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'delaytask-cluster-'));
  readonly nodes: RedisNodeProcess[] = [];

  private constructor(
    private readonly options: Required<Omit<RedisClusterOptions, 'password'>> & RedisClusterOptions,
  ) {
    live.add(this);
  }

  static async start(options: RedisClusterOptions = {}): Promise<RedisClusterProcess> {
    const cluster = new RedisClusterProcess({ masters: 3, nodeTimeoutMs: 1000, ...options });
    try {
      await cluster.launch();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The seed nodes, as REDIS_CLUSTER_NODES takes them (with the password when there is one). */
  get seedNodes(): string {
    const nodes = this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
    return this.options.password ? `redis://:${this.options.password}@${nodes}` : nodes;
  }

  get ports(): number[] {
    return this.nodes.map((node) => node.port);
  }

  node(port: number): RedisNodeProcess {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    return node;
  }

  /** The masters that are up, by the first slot they serve. */
  async masters(): Promise<ClusterMaster[]> {
    for (const node of this.nodes.filter((candidate) => candidate.running)) {
      const text = await node.command('CLUSTER', 'NODES');
      if (typeof text !== 'string') continue;
      return text
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([, , flags]) => /\bmaster\b/.test(flags) && !/\bfail\b/.test(flags))
        .filter((fields) => fields.length > 8)
        .map(([id, address, , , , , , , ...slots]) => ({
          id,
          port: Number(address.split(/[:@]/)[1]),
          slots: slots.filter((slot) => !slot.startsWith('[')),
        }))
        .sort((a, b) => parseInt(a.slots[0], 10) - parseInt(b.slots[0], 10));
    }
    throw new Error('no node of the cluster answers');
  }

  /**
   * SIGKILLs the i-th master (by first slot); resolves with it once the process is gone. See
   * waitForFailover.
   */
  async killMaster(index: number): Promise<ClusterMaster> {
    const master = (await this.masters())[index];
    if (!master) throw new Error(`no master #${index}`);
    await this.node(master.port).kill();
    return master;
  }

  /**
   * Resolves once another node serves the killed master's slots as a master and every live node
   * says cluster_state:ok; returns its port.
   */
  async waitForFailover(killed: ClusterMaster, timeoutMs = 15_000): Promise<number> {
    const promoted = await waitFor(
      `a replica of ${killed.port} promoted`,
      async () => {
        const masters = await this.masters().catch(() => []);
        const heir = masters.find(
          (master) => master.port !== killed.port && master.slots.includes(killed.slots[0]),
        );
        return heir?.port;
      },
      timeoutMs,
    );
    await this.waitForState(timeoutMs);
    return promoted;
  }

  /** Starts a killed node again (same dir and nodes.conf): it rejoins, as a replica. */
  async restart(port: number): Promise<void> {
    await this.node(port).start();
    await this.waitForState(FORMED_TIMEOUT_MS);
  }

  /** Every live node says cluster_state:ok and knows all the nodes. */
  async waitForState(timeoutMs = FORMED_TIMEOUT_MS): Promise<void> {
    await waitFor(
      'cluster_state:ok on every node',
      async () => {
        for (const node of this.nodes.filter((candidate) => candidate.running)) {
          const info = await node.command('CLUSTER', 'INFO');
          if (typeof info !== 'string' || !info.includes('cluster_state:ok')) return false;
          if (!info.includes(`cluster_known_nodes:${this.nodes.length}`)) return false;
        }
        return true;
      },
      timeoutMs,
    );
  }

  /** Kills every node and removes the temp dirs. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.kill()));
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  private async launch(): Promise<void> {
    const { masters, nodeTimeoutMs, password } = this.options;
    for (let i = 0; i < masters * 2; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      const dir = join(this.dir, String(port));
      mkdirSync(dir);
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
      args.push('--protected-mode', 'no', '--daemonize', 'no', '--save', '');
      args.push('--appendonly', 'yes', '--cluster-enabled', 'yes');
      args.push('--cluster-config-file', join(dir, 'nodes.conf'));
      args.push('--cluster-port', String(busPort));
      args.push('--cluster-node-timeout', String(nodeTimeoutMs));
      // A replica may always take over, however long since it heard its master.
      args.push('--cluster-replica-validity-factor', '0');
      // Replicas sync at once (Redis waits 5 s for more replicas to share a diskless sync).
      args.push('--repl-diskless-sync-delay', '0');
      if (password) args.push('--requirepass', password, '--masterauth', password);
      this.nodes.push(new RedisNodeProcess(port, args, password));
    }
    await Promise.all(this.nodes.map((node) => node.start()));
    const auth = password ? ['-a', password, '--no-auth-warning'] : [];
    await run(
      process.env.REDIS_CLI_BIN ?? 'redis-cli',
      [
        ...auth,
        '--cluster',
        'create',
        ...this.nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: FORMED_TIMEOUT_MS },
    );
    await this.waitForState();
    // Each master has its replica attached before a test may kill it.
    await waitFor(
      'every master with a replica in sync',
      async () => {
        for (const master of await this.masters()) {
          const info = await this.node(master.port).command('INFO', 'replication');
          if (typeof info !== 'string' || !/connected_slaves:1\b/.test(info)) return false;
          if (!/slave0:.*state=online/.test(info)) return false;
        }
        return true;
      },
      FORMED_TIMEOUT_MS,
    );
  }

  /** Synchronous last resort when the test process exits without stop(). */
  cleanupSync(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const live = new Set<RedisClusterProcess>();
process.once('exit', () => {
  for (const cluster of live) cluster.cleanupSync();
});
