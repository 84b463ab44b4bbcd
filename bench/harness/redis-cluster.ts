import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort } from '../../test/support/redis-server';
import { LIVE_PROCESSES } from './children';
import { sleep } from './redis-server';

const REDIS_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';
const SLOTS = 16384;
const FORMED_TIMEOUT_MS = 30_000;

/** One redis-server of the bench's cluster. */
export interface ClusterNode {
  port: number;
  busPort: number;
  child: ChildProcess;
  admin: Redis;
  role: 'master' | 'replica';
  /** The master's index (by first slot) for a master, its master's index for a replica. */
  index: number;
  /** A master's slots, `first-last` (one range each). */
  slots?: [number, number];
}

/**
 * A private Redis Cluster for the bench: `masters` masters, each with one replica, on free ports
 * (client and bus port apart), no persistence (as BenchRedis), `cluster-node-timeout` 15 s (Redis's
 * default: a master busy on a loaded 2-core machine must not be failed over mid-run). Formed by
 * hand rather than by `redis-cli --cluster create` (which wants 3 masters at least), so that 1 and
 * 3 masters are made the same way: each master gets a config epoch of its own and one slot range,
 * split as redis-cli splits them (3 masters: 0-5460, 5461-10922, 10923-16383), the nodes MEET, and
 * each replica REPLICATEs its master. Ready once every node says cluster_state:ok and every master
 * has its replica online. The test harness, test/support/redis-cluster.ts, keeps append-only files
 * and a 1 s node timeout for its failover tests, which a benchmark does not want.
 */
export class BenchCluster {
  private constructor(
    readonly nodes: ClusterNode[],
    readonly dir: string,
  ) {}

  static async start(masters: number): Promise<BenchCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'delaytask-bench-cluster-'));
    const nodes: ClusterNode[] = [];
    const cluster = new BenchCluster(nodes, dir);
    try {
      for (let i = 0; i < masters * 2; i++) {
        const role = i < masters ? 'master' : 'replica';
        nodes.push(await startNode(dir, role, i % masters));
      }
      await cluster.form(masters);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get masters(): ClusterNode[] {
    return this.nodes.filter((node) => node.role === 'master');
  }

  get replicas(): ClusterNode[] {
    return this.nodes.filter((node) => node.role === 'replica');
  }

  /** The seed nodes, as REDIS_CLUSTER_NODES takes them. */
  get seedNodes(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** The master serving `slot`. */
  masterOf(slot: number): ClusterNode {
    const master = this.masters.find(({ slots }) => slots && slot >= slots[0] && slot <= slots[1]);
    if (!master) throw new Error(`no master serves slot ${slot}`);
    return master;
  }

  /** A cluster client for the harness (commands of one event-loop turn go in one pipeline per node). */
  client(): Cluster {
    return new Cluster(
      this.masters.map((node) => ({ host: '127.0.0.1', port: node.port })),
      { enableAutoPipelining: true, scaleReads: 'master' },
    );
  }

  /** The nodes where `channel` has a subscriber (PUBSUB NUMSUB answers for the node's own clients). */
  async subscribedTo(channel: string): Promise<ClusterNode[]> {
    const found: ClusterNode[] = [];
    for (const node of this.nodes) {
      const [, count] = (await node.admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
      if (Number(count) > 0) found.push(node);
    }
    return found;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (node) => {
        node.admin.disconnect();
        if (node.child.exitCode !== null || node.child.signalCode !== null) return;
        const exited = new Promise((resolve) => node.child.once('exit', resolve));
        node.child.kill('SIGTERM');
        const timer = setTimeout(() => node.child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async form(masters: number): Promise<void> {
    const [first] = this.nodes;
    // redis-cli's split (clusterManagerCommandCreate): lround of a running float cursor.
    const perMaster = SLOTS / masters;
    let from = 0;
    for (const [i, master] of this.masters.entries()) {
      let last = Math.round(i * perMaster + perMaster - 1);
      if (last > SLOTS - 1 || i === masters - 1) last = SLOTS - 1;
      master.slots = [from, last];
      await master.admin.call('CLUSTER', 'SET-CONFIG-EPOCH', i + 1);
      await master.admin.call('CLUSTER', 'ADDSLOTSRANGE', from, last);
      from = last + 1;
    }
    for (const node of this.nodes.slice(1)) {
      await node.admin.call('CLUSTER', 'MEET', '127.0.0.1', first.port, first.busPort);
    }
    await this.waitFor('every node to know every other', async () => {
      for (const node of this.nodes) {
        const info = (await node.admin.call('CLUSTER', 'INFO')) as string;
        if (!info.includes(`cluster_known_nodes:${this.nodes.length}`)) return false;
      }
      return true;
    });
    for (const replica of this.replicas) {
      const masterId = (await this.masters[replica.index].admin.call('CLUSTER', 'MYID')) as string;
      await replica.admin.call('CLUSTER', 'REPLICATE', masterId);
    }
    await this.waitFor('cluster_state:ok and every master with its replica online', async () => {
      for (const node of this.nodes) {
        const info = (await node.admin.call('CLUSTER', 'INFO')) as string;
        if (!info.includes('cluster_state:ok')) return false;
      }
      for (const master of this.masters) {
        const info = await master.admin.info('replication');
        if (!/connected_slaves:1\b/.test(info) || !/slave0:.*state=online/.test(info)) return false;
      }
      // Every node sees every replica as one (clients read the slots from any of them).
      for (const node of this.nodes) {
        const text = (await node.admin.call('CLUSTER', 'NODES')) as string;
        if ((text.match(/\bslave\b/g) ?? []).length !== this.replicas.length) return false;
      }
      return true;
    });
  }

  private async waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + FORMED_TIMEOUT_MS;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`bench cluster: timed out waiting for ${what}`);
      await sleep(100);
    }
  }
}

async function startNode(
  dir: string,
  role: ClusterNode['role'],
  index: number,
): Promise<ClusterNode> {
  const [port, busPort] = [await freePort(), await freePort()];
  const nodeDir = join(dir, String(port));
  mkdirSync(nodeDir);
  const child = spawn(
    REDIS_BIN,
    [
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', nodeDir],
      ['--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--daemonize', 'no'],
      ['--cluster-enabled', 'yes', '--cluster-config-file', join(nodeDir, 'nodes.conf')],
      ['--cluster-port', String(busPort), '--cluster-node-timeout', '15000'],
      // Replicas sync at once (Redis waits 5 s for more replicas to share a diskless sync).
      ['--repl-diskless-sync-delay', '0'],
    ].flat(),
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  LIVE_PROCESSES.add(child);
  child.once('exit', () => LIVE_PROCESSES.delete(child));
  const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
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
  return { port, busPort, child, admin, role, index };
}
