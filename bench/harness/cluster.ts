import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUNS_DIR } from './children';
import { cpuSeconds } from './proc';
import { BenchCluster, type ClusterNode } from './redis-cluster';
import { sleep } from './redis-server';
import {
  type Figure,
  lateness,
  latenessFigures,
  leadFor,
  nextSecond,
  type OwnRedisScenario,
  type Params,
  RunTracker,
  warnIfLate,
} from './scenarios';
import { max } from './stats';
import { OurService } from './systems';

const PREFIX = 'bench:';
/** The masters of the two deployments compared. */
const LAYOUTS = [1, 3] as const;

/** CPU seconds of the service and of every node at one moment. */
interface CpuMark {
  at: number;
  service: number;
  nodes: number[];
}

/** What one deployment's burst measured. */
interface Outcome {
  masters: number;
  figures: Figure[];
  throughput: number;
}

const plural = (m: number) => `${m} master${m === 1 ? '' : 's'}`;

/**
 * Issue 14's balance figure: the `burst` (the same n no-op once tasks, all due at one second, the
 * same lead, published the same way: pipelined PUBLISH of seed JSON) on a Redis Cluster of 1
 * master and then of 3, each master with one replica, the service with the cluster defaults
 * (DELAYTASK_PARTITIONS 16, DELAYTASK_REPLICA_ACKS 1). The 1-master cluster is the baseline rather
 * than a plain redis-server (the `burst` scenario), so that the number of masters is the only
 * difference: the same cluster client, 16 partitions, and a WAIT per accept on both sides. The
 * producer publishes to the master holding the most partitions (the worst case for balance); the
 * cluster bus forwards every PUBLISH to every node, and the service's subscriber sits on whichever
 * node its cluster client picked (said in the output).
 * Per master: CPU seconds from the first PUBLISH until the last task ran, and its share of all
 * masters' CPU over that time (and over each of its two halves, accepting and then claiming and
 * running); the replicas' CPU apart.
 */
export const cluster: OwnRedisScenario = {
  name: 'cluster',
  systems: ['ours'],
  ownRedis: true,
  describe: (p) =>
    `the burst (${p.n ?? 50_000} no-op once tasks published at once, all due at one second) on a ` +
    `Redis Cluster of 1 and then of 3 masters, each with a replica, partitions 16 and replica ` +
    `acks 1 (the cluster defaults); ours only: BullMQ keeps a queue in one hash slot, so on one ` +
    `master, and is out of scope here`,
  async run(system, p) {
    if (!(system instanceof OurService)) throw new Error('cluster runs on our service only');
    const outcomes: Outcome[] = [];
    for (const masters of LAYOUTS) {
      const deployment = await BenchCluster.start(masters);
      try {
        outcomes.push(await burstOn(system, deployment, p));
      } finally {
        await system.stop();
        await deployment.stop();
      }
    }
    return sideBySide(outcomes);
  },
};

/** The common figures of each deployment next to each other, then each one's masters. */
function sideBySide(outcomes: Outcome[]): Figure[] {
  const perMaster = (figure: Figure) => /\.master\d|\.replicas/.test(figure.key);
  const common = outcomes[0].figures.filter((figure) => !perMaster(figure));
  const figures: Figure[] = [];
  for (const figure of common) {
    const suffix = figure.key.slice(figure.key.indexOf('.', 'cluster.'.length));
    for (const outcome of outcomes) {
      const same = outcome.figures.find((f) => f.key.endsWith(suffix) && !perMaster(f));
      if (same) figures.push(same);
    }
  }
  for (const outcome of outcomes) figures.push(...outcome.figures.filter(perMaster));
  const [one, three] = outcomes;
  figures.push({
    key: 'cluster.scale',
    label: `throughput on ${plural(three.masters)} ÷ on ${plural(one.masters)}`,
    unit: '×',
    value: three.throughput / one.throughput,
  });
  return figures;
}

async function burstOn(system: OurService, deployment: BenchCluster, p: Params): Promise<Outcome> {
  const n = p.n ?? 50_000;
  const m = deployment.masters.length;
  const key = `cluster.m${m}`;
  const partitions = Number(process.env.DELAYTASK_PARTITIONS ?? 16);
  const [first] = deployment.masters;

  // Where things are: the partitions' slots, the shared keys, the stream inbox's key, the subscriber.
  const slotOf = async (name: string) => Number(await first.admin.call('CLUSTER', 'KEYSLOT', name));
  const partitionsOn = new Map<ClusterNode, number>();
  for (let i = 0; i < partitions; i++) {
    const owner = deployment.masterOf(
      await slotOf(partitions === 1 ? `{${PREFIX}}` : `{${PREFIX}${i}}`),
    );
    partitionsOn.set(owner, (partitionsOn.get(owner) ?? 0) + 1);
  }
  const sharedOn = deployment.masterOf(await slotOf(`{${PREFIX}}`));
  const streamOn = deployment.masterOf(await slotOf(`${PREFIX}messageQ`));
  // The producer publishes to the master with the most partitions: the worst case for balance,
  // since the node a PUBLISH reaches first pays more for it than those the bus forwards it to.
  const publishTo = deployment.masters.reduce((busiest, node) =>
    (partitionsOn.get(node) ?? 0) > (partitionsOn.get(busiest) ?? 0) ? node : busiest,
  );
  const [child] = await system.startOnCluster(deployment, publishTo.port, partitions);
  const tracker = new RunTracker([child]);
  await sleep(1000);

  const recorded = await sharedOn.admin.call('GET', `{${PREFIX}}partitions`).catch(() => null);
  const subscribers = await deployment.subscribedTo(`${PREFIX}messageQ`);
  const name = (node: ClusterNode) =>
    node.role === 'master' ? `master ${node.index}` : `replica of master ${node.index}`;
  console.log(
    `  ${plural(m)} (${deployment.masters.map((node) => `${node.slots?.join('-')}`).join(', ')}), ` +
      `a replica each; partitions recorded: ${String(recorded)}, replica acks: ` +
      `${process.env.DELAYTASK_REPLICA_ACKS ?? '1 (default)'}; partitions per master: ` +
      `${deployment.masters.map((node) => partitionsOn.get(node) ?? 0).join('/')}; shared keys on ` +
      `${name(sharedOn)}; PUBLISH to ${name(publishTo)} (the most partitions), forwarded by the cluster bus to every node; the ` +
      `task channel's subscriber on ${subscribers.map(name).join(', ') || 'none found'}; ` +
      `(the stream inbox, not used here, would live on ${name(streamOn)} alone: ingest's load, ` +
      `not the scheduler's)`,
  );

  const mark = (): CpuMark => ({
    at: Date.now(),
    service: cpuSeconds(child.pid),
    nodes: deployment.nodes.map((node) => cpuSeconds(node.child.pid ?? 0)),
  });
  const dueMs = nextSecond(Date.now() + leadFor(p, n));
  const before = mark();
  const { elapsedMs } = await system.submit(n, (i) => ({ id: String(i), dueMs }), 'bulk');
  const accepted = mark();
  warnIfLate(system, Date.now(), dueMs);
  await sleep(Math.max(0, dueMs - Date.now()));
  const atDue = mark();
  const all = await tracker.waitDistinct(n, dueMs + 120_000);
  const drained = mark();
  if (!all) console.warn(`  ! ${plural(m)}: only ${tracker.distinct} of ${n} ran within 120 s`);
  const late = lateness(tracker, () => dueMs);
  const lastAfter = max(late);
  const throughput = (tracker.distinct / lastAfter) * 1000;

  for (const node of deployment.nodes) {
    const file = `cluster-${m}m-${node.role}${node.index}.commandstats.txt`;
    writeFileSync(join(RUNS_DIR, file), await node.admin.info('commandstats'));
  }

  const nodesCpu = (from: CpuMark, to: CpuMark, role: ClusterNode['role']) =>
    deployment.nodes.map((node, i) => (node.role === role ? to.nodes[i] - from.nodes[i] : 0));
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const whole = nodesCpu(before, drained, 'master');
  const accepting = nodesCpu(before, accepted, 'master');
  const running = nodesCpu(accepted, drained, 'master');
  const share = (values: number[], i: number) => (values[i] / sum(values)) * 100;

  const label = (text: string) => `${plural(m)}: ${text}`;
  const figures: Figure[] = [
    {
      key: `${key}.submit`,
      label: label('accept rate (first PUBLISH → all accepted, WAIT included)'),
      unit: 'tasks/s',
      value: (n / elapsedMs) * 1000,
    },
    {
      key: `${key}.last`,
      label: label('last task ran after the due second'),
      unit: 's',
      value: lastAfter / 1000,
    },
    {
      key: `${key}.throughput`,
      label: label('throughput (n / last-ran-after-due)'),
      unit: 'tasks/s',
      value: throughput,
    },
    ...latenessFigures(`${key}.late`, late, false).map((figure) => ({
      ...figure,
      label: label(figure.label),
    })),
    {
      key: `${key}.cpu.perTask`,
      label: label('service CPU per task (first PUBLISH → last ran)'),
      unit: 'µs',
      value: ((drained.service - before.service) / n) * 1e6,
    },
    {
      key: `${key}.cpu.masters`,
      label: label('CPU of all masters (first PUBLISH → last ran)'),
      unit: 'cpu s',
      value: sum(whole),
    },
    {
      key: `${key}.drain.cores`,
      label: label(
        'cores busy from the due second until the last ran (service + masters + replicas) ÷ that time',
      ),
      unit: 'cores',
      value:
        (drained.service -
          atDue.service +
          sum(nodesCpu(atDue, drained, 'master')) +
          sum(nodesCpu(atDue, drained, 'replica'))) /
        ((drained.at - atDue.at) / 1000),
    },
    {
      key: `${key}.drain.service`,
      label: label('of which the service'),
      unit: 'cores',
      value: (drained.service - atDue.service) / ((drained.at - atDue.at) / 1000),
    },
    {
      key: m === 1 ? `${key}.share.max` : 'cluster.share.max',
      label: label("the busiest master's share of the masters' CPU"),
      unit: '%',
      value: Math.max(...deployment.nodes.map((_, i) => (whole[i] > 0 ? share(whole, i) : 0))),
    },
    { key: `${key}.lost`, label: label('never ran'), unit: 'count', value: n - tracker.distinct },
    {
      key: `${key}.twice`,
      label: label('ran more than once'),
      unit: 'count',
      value: tracker.ranTwice(),
    },
  ];
  deployment.nodes.forEach((node, i) => {
    if (node.role !== 'master') return;
    const what =
      `master ${node.index} (${partitionsOn.get(node) ?? 0} of ${partitions} partitions` +
      `${node === sharedOn ? ', shared keys' : ''}${node === publishTo ? ', PUBLISHed to' : ''}` +
      `${subscribers.includes(node) ? ", the channel's subscriber" : ''})`;
    figures.push(
      {
        key: `${key}.master${node.index}.cpu`,
        label: label(`${what}: CPU`),
        unit: 'cpu s',
        value: whole[i],
      },
      {
        key: `${key}.master${node.index}.share`,
        label: label(`${what}: share of the masters' CPU`),
        unit: '%',
        value: share(whole, i),
      },
      {
        key: `${key}.master${node.index}.shareAccepting`,
        label: label(`master ${node.index}: share while accepting`),
        unit: '%',
        value: share(accepting, i),
      },
      {
        key: `${key}.master${node.index}.shareRunning`,
        label: label(`master ${node.index}: share from all accepted until the last ran`),
        unit: '%',
        value: share(running, i),
      },
    );
  });
  const subscribedReplicas = subscribers.filter((node) => node.role === 'replica').length;
  figures.push({
    key: `${key}.replicas.cpu`,
    label: label(
      `CPU of the ${deployment.replicas.length} replica(s), apart` +
        (subscribedReplicas > 0 ? " (one holds the channel's subscriber)" : ''),
    ),
    unit: 'cpu s',
    value: sum(nodesCpu(before, drained, 'replica')),
  });
  return { masters: m, figures, throughput };
}
