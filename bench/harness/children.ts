import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { StartBatch } from '../children/recorder';
import { ROOT } from './build';

interface MemoryAnswer {
  type: 'mem';
  usage: NodeJS.MemoryUsage;
}

/** A child's answer to a question from the harness (`ask`): a message of the same type. */
interface Answer {
  type: string;
}

/** Every process the harness started and has not seen exit: killed if the harness exits first. */
export const LIVE_PROCESSES = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of LIVE_PROCESSES) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

export const RUNS_DIR = join(ROOT, 'bench', '.runs');

/** Every run recorded by one child process, as its `StartRecorder` streamed them. */
export class MeasuredChild {
  readonly ids: string[] = [];
  readonly starts: number[] = [];
  readonly dues: number[] = [];
  readonly exited: Promise<number | null>;
  readonly ready: Promise<void>;
  /** Called after each batch of starts arrives. */
  onStarts: (() => void) | undefined;
  private alive = true;
  private readonly answerWaiters = new Map<string, ((answer: Answer) => void)[]>();

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const log = createWriteStream(join(RUNS_DIR, `${name}.log`));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.alive = false;
        resolve(code);
      }),
    );
    this.ready = new Promise((resolve, reject) => {
      child.on('message', (message: StartBatch | { type: 'ready' } | Answer) => {
        if (message.type === 'ready') resolve();
        else if (message.type === 'starts') this.addStarts(message as StartBatch);
        else
          this.answerWaiters
            .get(message.type)
            ?.splice(0)
            .forEach((w) => w(message));
      });
      void this.exited.then((code) =>
        reject(new Error(`${name} exited with ${code} before it was ready; see ${RUNS_DIR}`)),
      );
    });
    this.ready.catch(() => undefined);
  }

  /** Starts a compiled child script with an IPC channel; its output goes to bench/.runs/<name>.log. */
  static spawn(
    name: string,
    script: string,
    env: Record<string, string>,
    nodeArgs: string[] = [],
  ): MeasuredChild {
    mkdirSync(RUNS_DIR, { recursive: true });
    // --expose-gc only makes gc() callable (the harness calls it once, at the very end of a burst).
    const child = spawn(process.execPath, ['--expose-gc', ...nodeArgs, script], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    LIVE_PROCESSES.add(child);
    child.once('exit', () => LIVE_PROCESSES.delete(child));
    return new MeasuredChild(name, child);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.alive;
  }

  /** SIGTERM (graceful) and wait; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The child's own `process.memoryUsage()` (heap breakdown; RSS is read from /proc). */
  async memoryUsage(gc = false): Promise<NodeJS.MemoryUsage> {
    return (await this.ask<MemoryAnswer>({ type: 'mem', gc })).usage;
  }

  /** Sends `question` and resolves with the child's next message of the same type. */
  ask<T extends Answer>(question: Answer & Record<string, unknown>): Promise<T> {
    return new Promise((resolve) => {
      const waiters = this.answerWaiters.get(question.type) ?? [];
      waiters.push(resolve as (answer: Answer) => void);
      this.answerWaiters.set(question.type, waiters);
      this.child.send(question);
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private addStarts(batch: StartBatch): void {
    for (let i = 0; i < batch.ids.length; i++) {
      this.ids.push(batch.ids[i]);
      this.starts.push(batch.starts[i]);
      // JSON turns NaN into null.
      this.dues.push(batch.dues[i] ?? NaN);
    }
    this.onStarts?.();
  }
}
