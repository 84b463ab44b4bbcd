/**
 * Fault injection: `npm run chaos [-- --seconds 60 --instances 3 --rate 180]`.
 *
 * Starts a private redis-server (append-only file, fsync always) and several instances of the
 * built service on it, keeps publishing once and periodic ping tasks for `--seconds`, and
 * meanwhile, at random, kills instances with SIGKILL, stops them with SIGTERM, and kills Redis
 * itself, restarting each after a moment. Then it lets everything due run and prints what happened
 * to every occurrence: submitted, ran, lost, ran twice (and whether the first run was in flight at
 * a kill or an outage), started early, worst lateness. Exits 1 if anything was lost, ran twice
 * without a fault to explain it, or started early; it always stops by itself.
 *
 * A task counts as submitted once Redis holds it: PUBLISH is fire-and-forget, and a message sent
 * while no instance is subscribed (all down, or Redis restarting) is heard by nobody, so the
 * producer here, like a careful real one, republishes until it sees the task stored.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { PingServer } from '../test/support/ping-server';
import { RedisServerProcess } from '../test/support/redis-server';
import { analyseRuns, type Fault, formatReport, parseRunLogs } from '../test/support/run-ledger';
import { ServiceProcess } from '../test/support/service-process';
import { pingWorkload, lastDueMs, type SubmittedTask } from '../test/support/workload';

interface Settings {
  seconds: number;
  instances: number;
  /** Tasks submitted per second; a fifth of them periodic (three occurrences each). */
  rate: number;
}

const PREFIX = 'chaos:';
const CHANNEL = `${PREFIX}messageQ`;
const TICK_MS = 250;
/** Unconfirmed tasks are republished after this long. */
const CONFIRM_AFTER_MS = 1500;
/** After the faults stop: how long everything may take to run before the script gives up. */
const DRAIN_LIMIT_MS = 90_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const random = (min: number, max: number): number => min + Math.random() * (max - min);
const stamp = (): string => new Date().toISOString().slice(11, 23);
const say = (text: string): void => console.log(`${stamp()}  ${text}`);

function parseArgs(argv: readonly string[]): Settings {
  const settings: Settings = { seconds: 60, instances: 3, rate: 180 };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '') as keyof Settings;
    const value = Number(argv[i + 1]);
    if (!(name in settings) || !Number.isFinite(value) || value <= 0) {
      throw new Error(
        `usage: chaos [--seconds N] [--instances N] [--rate tasks/s]; got ${argv[i]}`,
      );
    }
    settings[name] = name === 'rate' ? value : Math.round(value);
    i++;
  }
  if (settings.instances < 2) throw new Error('--instances must be at least 2');
  return settings;
}

/** One slot of the cluster: the current process and every earlier one (their logs count too). */
interface Node {
  readonly name: string;
  generation: number;
  current?: ServiceProcess;
  readonly past: ServiceProcess[];
  /** Set while a fault has it down, so that two faults do not act on it at once. */
  busy: boolean;
}

class Chaos {
  private readonly redisServer = new RedisServerProcess({ appendonly: true });
  private readonly ping = new PingServer();
  private redis!: Redis;
  private readonly nodes: Node[];
  private readonly faults: Fault[] = [];
  private readonly submitted: SubmittedTask[] = [];
  /** Published (or not, Redis being down) but not yet seen stored. */
  private readonly unconfirmed = new Map<
    string,
    { task: SubmittedTask; message: string; sentAt: number; late: boolean }
  >();
  private readonly counts = { instanceKills: 0, sigterms: 0, redisKills: 0, republished: 0 };
  private redisDown = false;

  constructor(private readonly settings: Settings) {
    this.nodes = Array.from({ length: settings.instances }, (_, i) => ({
      name: `node${i}`,
      generation: 0,
      past: [],
      busy: false,
    }));
  }

  async run(): Promise<number> {
    await this.redisServer.start();
    this.redis = new Redis(this.redisServer.url, { maxRetriesPerRequest: null });
    this.redis.on('error', () => undefined); // outages are injected on purpose
    this.ping.delayMs = 100; // handlers stay in flight long enough for kills to catch some
    await this.ping.start();
    await Promise.all(this.nodes.map((node) => this.startNode(node)));
    say(`redis-server on ${this.redisServer.port} (AOF always), ${this.nodes.length} instances up`);

    const endAt = Date.now() + this.settings.seconds * 1000;
    await Promise.all([this.submitUntil(endAt), this.injectFaultsUntil(endAt)]);
    say('faults stop; bringing every instance back and letting everything due run');
    await this.recoverAll();
    await this.confirmAll();
    const drained = await this.drain();

    const logs = this.nodes.flatMap((node) => [...node.past, node.current!]).map((p) => p.logs);
    const runs = parseRunLogs(logs.join('\n'));
    const report = analyseRuns(this.submitted, this.ping, runs, this.faults, {
      // Reconnecting after a Redis restart takes a few seconds of backoff.
      recordSlackMs: 3000,
    });
    const dir = this.saveEvidence(logs, report);
    await Promise.all(this.nodes.map((node) => node.current?.stop()));
    this.redis.disconnect();
    await this.ping.stop();
    await this.redisServer.dispose();

    const unexplained = report.doubles.filter((d) => d.inFlightAt === undefined);
    console.log('');
    console.log(
      `chaos: ${this.settings.seconds} s, ${this.nodes.length} instances, ` +
        `${this.counts.instanceKills} SIGKILL, ${this.counts.sigterms} SIGTERM, ` +
        `${this.counts.redisKills} Redis kill+restart; ${this.counts.republished} message(s) ` +
        `published again (first sent while Redis was down, or heard by no instance)`,
    );
    console.log(formatReport(report));
    console.log(`logs and hits: ${dir}`);
    if (!drained) console.log('NOT DRAINED: Redis still held due or claimed tasks at the deadline');
    const failed = report.lost.length > 0 || unexplained.length > 0 || report.early.length > 0;
    console.log(failed || !drained ? 'RESULT: FAIL' : 'RESULT: OK');
    return failed || !drained ? 1 : 0;
  }

  private async startNode(node: Node): Promise<void> {
    if (node.current) node.past.push(node.current);
    node.generation++;
    const service = new ServiceProcess({
      REDIS_URL: this.redisServer.url,
      DELAYTASK_PREFIX: PREFIX,
      DELAYTASK_INSTANCE_ID: `${node.name}.${node.generation}`,
      DELAYTASK_CONCURRENCY: '256',
    });
    node.current = service;
    await service.start(60_000);
  }

  /** Publishes a batch every tick: due 0.5-10 s ahead, a fifth periodic with three occurrences. */
  private async submitUntil(endAt: number): Promise<void> {
    let owed = 0;
    while (Date.now() < endAt) {
      owed += (this.settings.rate * TICK_MS) / 1000;
      const count = Math.floor(owed);
      owed -= count;
      const periodic = Math.round(count / 5);
      const { tasks, messages } = pingWorkload(this.ping, {
        once: count - periodic,
        periodic,
        startMs: Date.now() + random(500, 2000),
        spreadMs: 8000,
        intervalMs: 1000 * Math.ceil(random(1, 4)),
        occurrences: 3,
      });
      const now = Date.now();
      tasks.forEach((task, i) =>
        this.unconfirmed.set(task.id, {
          task,
          message: messages[i],
          sentAt: now,
          late: this.redisDown,
        }),
      );
      if (!this.redisDown) await this.publish(messages);
      await this.confirm();
      await sleep(TICK_MS);
    }
  }

  private async publish(messages: readonly string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const message of messages) pipeline.publish(CHANNEL, message);
    await pipeline.exec().catch(() => undefined);
  }

  /** Moves stored tasks to `submitted`; republishes those nobody stored within a while. */
  private async confirm(): Promise<void> {
    if (this.redisDown || this.unconfirmed.size === 0) return;
    const entries = [...this.unconfirmed.values()];
    const pipeline = this.redis.pipeline();
    for (const { task } of entries) pipeline.hexists(`{${PREFIX}}tasks`, task.id);
    const replies = await pipeline.exec().catch(() => null);
    if (!replies) return;
    // Completed tasks are remembered by a digest of their content, not by ID: one that ran was stored.
    const ran = this.ping.counts();
    const again: string[] = [];
    entries.forEach((entry, i) => {
      const stored = replies[i][1] === 1 || ran.has(entry.task.id);
      if (stored) {
        this.unconfirmed.delete(entry.task.id);
        this.submitted.push(entry.late ? { ...entry.task, owedFromMs: entry.sentAt } : entry.task);
      } else if (Date.now() - entry.sentAt > CONFIRM_AFTER_MS) {
        entry.sentAt = Date.now();
        entry.late = true;
        again.push(entry.message);
      }
    });
    if (again.length > 0) {
      this.counts.republished += again.length;
      await this.publish(again);
    }
  }

  private async confirmAll(): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (this.unconfirmed.size > 0 && Date.now() < deadline) {
      await this.confirm();
      await sleep(TICK_MS);
    }
    if (this.unconfirmed.size > 0)
      say(`${this.unconfirmed.size} task(s) never got stored; not counted`);
  }

  /** One fault at a time, 1.5-5 s apart, each undone after a moment. */
  private async injectFaultsUntil(endAt: number): Promise<void> {
    await sleep(3000);
    while (Date.now() < endAt - 3000) {
      const dice = Math.random();
      if (dice < 0.2) await this.restartRedis();
      else if (dice < 0.45) await this.stopGracefully(this.pickNode());
      else if (dice < 0.55)
        await Promise.all([this.killNode(this.pickNode()), this.killNode(this.pickNode())]);
      else await this.killNode(this.pickNode());
      await sleep(random(1500, 5000));
    }
  }

  private pickNode(): Node | undefined {
    const idle = this.nodes.filter((node) => !node.busy && node.current?.running);
    // Keep one instance up: the others still have to hear the channel and take over.
    if (idle.length <= 1) return undefined;
    return idle[Math.floor(Math.random() * idle.length)];
  }

  private async killNode(node: Node | undefined): Promise<void> {
    if (!node?.current) return;
    node.busy = true;
    const at = Date.now();
    await node.current.kill();
    this.counts.instanceKills++;
    this.faults.push({
      kind: 'instance-kill',
      label: `SIGKILL ${node.name}.${node.generation}`,
      at,
    });
    say(`SIGKILL ${node.name}.${node.generation}`);
    await sleep(random(500, 4000));
    await this.startNode(node);
    node.busy = false;
  }

  private async stopGracefully(node: Node | undefined): Promise<void> {
    if (!node?.current) return;
    node.busy = true;
    const name = `${node.name}.${node.generation}`;
    const code = await node.current.stop();
    this.counts.sigterms++;
    say(`SIGTERM ${name}: exit ${code}`);
    if (code !== 0) console.log(`  ${name} did not exit 0:\n${node.current.logs.slice(-2000)}`);
    await sleep(random(500, 3000));
    await this.startNode(node);
    node.busy = false;
  }

  private async restartRedis(): Promise<void> {
    if (this.nodes.some((node) => node.busy)) return;
    this.redisDown = true;
    const at = Date.now();
    await this.redisServer.kill();
    say('SIGKILL redis-server');
    await sleep(random(500, 3000));
    await this.redisServer.restart();
    this.redisDown = false;
    this.counts.redisKills++;
    this.faults.push({ kind: 'redis-outage', label: 'Redis kill+restart', at, until: Date.now() });
    say('redis-server restarted from its append-only file');
  }

  private async recoverAll(): Promise<void> {
    if (!this.redisServer.running) await this.redisServer.restart();
    for (const node of this.nodes) {
      if (!node.current?.running) await this.startNode(node);
    }
  }

  /** Waits until every occurrence has fallen due and Redis holds nothing pending or claimed. */
  private async drain(): Promise<boolean> {
    const last = lastDueMs(this.submitted);
    const deadline = Math.max(last, Date.now()) + DRAIN_LIMIT_MS;
    await sleep(Math.max(0, last - Date.now()));
    while (Date.now() < deadline) {
      const [due, leased] = await Promise.all([
        this.redis.zcard(`{${PREFIX}}due`),
        this.redis.zcard(`{${PREFIX}}leased`),
      ]);
      if (due + leased === 0) {
        await sleep(500); // the last log lines may still be in the pipes
        return true;
      }
      await sleep(250);
    }
    return false;
  }

  private saveEvidence(logs: string[], report: unknown): string {
    const dir = join('.data', 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(dir, { recursive: true });
    logs.forEach((text, i) => writeFileSync(join(dir, `service-${i}.log`), text));
    writeFileSync(join(dir, 'faults.json'), JSON.stringify(this.faults, null, 1));
    writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 1));
    writeFileSync(join(dir, 'hits.json'), JSON.stringify(this.ping.hits));
    writeFileSync(join(dir, 'submitted.json'), JSON.stringify(this.submitted));
    return dir;
  }
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  // It must stop by itself whatever happens: a hard deadline well past the run and the drain.
  const hardStop = setTimeout(
    () => {
      console.error('chaos: hard deadline reached; giving up');
      process.exit(3);
    },
    settings.seconds * 1000 + DRAIN_LIMIT_MS + 120_000,
  );
  hardStop.unref();
  const code = await new Chaos(settings).run();
  process.exit(code);
}

main().catch((error: Error) => {
  console.error(`chaos: ${error.stack ?? error.message}`);
  process.exit(2);
});
