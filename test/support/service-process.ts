import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The built service; DELAYTASK_SERVICE_MAIN points at another build (e.g. a mutated copy). */
const MAIN =
  process.env.DELAYTASK_SERVICE_MAIN ?? join(__dirname, '..', '..', 'dist', 'service', 'main.js');
const READY = /Ready: subscribed to/;

/**
 * The built service (`node dist/service/main.js`) as a child process, so tests can kill it with SIGKILL,
 * stop it with SIGTERM and restart it, exactly as an operator would.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private exit: Promise<number | null> | undefined;

  /**
   * `entry`: a TypeScript fixture app (e.g. test/fixtures/probe-app.ts) to run through ts-node
   * instead of the built service.
   */
  constructor(
    private readonly env: Record<string, string>,
    private readonly entry?: string,
  ) {
    if (!entry && !existsSync(MAIN))
      throw new Error(`${MAIN} is missing: run "npm run build" first`);
  }

  /** True from start() until the process has exited. */
  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  get logs(): string {
    return this.output;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    const args = this.entry ? ['-r', 'ts-node/register/transpile-only', this.entry] : [MAIN];
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    live.add(child);
    this.exit = new Promise((resolve) =>
      child.on('exit', (code) => {
        live.delete(child);
        resolve(code);
      }),
    );
    const onData = (chunk: Buffer): void => {
      this.output += chunk.toString();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    await this.waitForLog(READY, timeoutMs);
  }

  /** Resolves when the log (since start) matches, fails with the log if the process exits first. */
  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exit?.then(() => (exited = true));
    while (!pattern.test(this.output)) {
      if (exited) throw new Error(`service exited before logging ${pattern}:\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** SIGKILL: no shutdown hook runs, as in a crash or a power loss. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exit;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exit!;
  }
}

/** Children still running when the test process exits (a failed test, a crash) are killed with it. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
