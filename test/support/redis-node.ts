import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';

const READY_TIMEOUT_MS = 15_000;

/**
 * One `redis-server` child of a test harness (a cluster node, a sentinel, a replica): started with
 * the arguments given, waited for until it answers PING, SIGKILLed with the test process.
 */
export class RedisNodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly port: number,
    private readonly args: readonly string[],
    private readonly password?: string,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get log(): string {
    return this.output;
  }

  /** Starts (again, with the same arguments) and waits until it answers. */
  async start(): Promise<void> {
    const child = spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', [...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    this.child = child;
    this.output = '';
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await this.answers())) {
      if (!this.child) throw new Error(`redis-server on ${this.port} exited:\n${this.output}`);
      if (Date.now() > deadline) {
        throw new Error(`redis-server on ${this.port} did not answer:\n${this.output}`);
      }
      await sleep(50);
    }
  }

  /** SIGKILL, as a crash, and wait for the exit. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** A client of this node alone (no cluster redirections); the caller disconnects it. */
  client(): Redis {
    return new Redis({
      host: '127.0.0.1',
      port: this.port,
      password: this.password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
  }

  /** Runs one command on this node; undefined when it does not answer. */
  async command(...args: (string | number)[]): Promise<unknown> {
    const client = this.client();
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.call(String(args[0]), ...args.slice(1));
    } catch {
      return undefined;
    } finally {
      client.disconnect();
    }
  }

  private async answers(): Promise<boolean> {
    return (await this.command('PING')) === 'PONG';
  }
}

/** Children still running when the test process exits are killed with it. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns something other than undefined or false. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
