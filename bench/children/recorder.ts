/**
 * Records handler starts in memory and streams them to the harness over the IPC channel, one
 * message per event-loop turn (never one per task). `process.send` writes into the pipe at once
 * when it is not full, so what was sent survives a SIGKILL that comes later.
 */
export interface StartBatch {
  type: 'starts';
  /** Task (or job) ids, in start order. */
  ids: string[];
  /** `Date.now()` when the handler started. */
  starts: number[];
  /** The due time the engine reports for this run (unix ms); NaN when unknown. */
  dues: number[];
}

export class StartRecorder {
  private ids: string[] = [];
  private starts: number[] = [];
  private dues: number[] = [];
  private flushQueued = false;

  record(id: string, startMs: number, dueMs: number): void {
    this.ids.push(id);
    this.starts.push(startMs);
    this.dues.push(dueMs);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  readonly flush = (): void => {
    this.flushQueued = false;
    if (this.ids.length === 0 || !process.send) return;
    const batch: StartBatch = {
      type: 'starts',
      ids: this.ids,
      starts: this.starts,
      dues: this.dues,
    };
    this.ids = [];
    this.starts = [];
    this.dues = [];
    process.send(batch);
  };
}

/**
 * Answers `{ type: 'mem' }` from the harness with this process's `process.memoryUsage()`; with
 * `gc: true` a full GC runs first when the process was started with --expose-gc (diagnosis: tells
 * retained objects from garbage V8 has not collected yet).
 */
export function answerMemoryRequests(): void {
  process.on('message', (message: { type?: string; gc?: boolean }) => {
    if (message.type !== 'mem') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    if (message.gc && gc) gc();
    process.send?.({ type: 'mem', usage: process.memoryUsage() });
  });
}
