// Node's own timers, not the globals: a spec's fake timers must not hold log lines back.
import { clearImmediate, setImmediate } from 'node:timers';

export type LogStream = 'stdout' | 'stderr';

/** Past this many characters pending (both streams together), they are written at once. */
export const LOG_BUFFER_MAX_CHARS = 64 * 1024;

/** What the buffer listens to for the process's end: `process` itself, or a spec's emitter. */
export interface ProcessEvents {
  on(event: 'exit', listener: () => void): unknown;
}

/**
 * The log lines of one event-loop turn, written with one `write` per stream (stdout, then stderr)
 * on `setImmediate`, rather than one synchronous `write` per line: a burst of runs settling in one
 * turn (all the sockets one poll found ready) costs one write instead of one each. Each stream
 * keeps its lines in order; a line on stderr and one on stdout of the same turn are not kept in
 * order with each other (a terminal showing both may show the stderr line after stdout lines logged
 * after it).
 *
 * Memory is bounded: past `maxChars` pending the lines are written at once, within the turn.
 *
 * What is pending is written synchronously when the process ends through Node: the end of the
 * event loop, `process.exit()`, and an uncaught exception (Node emits `exit` before it prints the
 * exception, so the lines come before it). It is lost (at most one turn's lines, at most
 * `maxChars`) when the process ends without Node's `exit` event: `kill -9`, a signal with no
 * listener (including the signal Nest's `enableShutdownHooks()` re-raises after closing;
 * `closeOnSignals` exits with `process.exit`), `process.abort()` or a crash of V8 itself. Lines of
 * earlier turns are written by then. As with Node's own `process.stdout`, a pipe whose reader lags
 * keeps in memory what did not fit, and a process exiting meanwhile loses that part.
 */
export class LogLineBuffer {
  private stdout = '';
  private stderr = '';
  private pendingChars = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private hooked = false;

  constructor(
    private readonly maxChars = LOG_BUFFER_MAX_CHARS,
    private readonly events: ProcessEvents = process,
  ) {}

  /** Adds `text` (whole lines, each ending with `\n`) for `stream`. */
  write(stream: LogStream, text: string): void {
    if (stream === 'stderr') this.stderr += text;
    else this.stdout += text;
    this.pendingChars += text.length;
    if (!this.hooked) this.hook();
    if (this.pendingChars > this.maxChars) this.flush();
    else this.scheduled ??= setImmediate(this.flush);
  }

  /** Writes what is pending now: one write per stream that has lines. */
  readonly flush = (): void => {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const { stdout, stderr } = this;
    // Emptied first: a line logged while writing (a stream's error listener) starts a new batch.
    this.stdout = '';
    this.stderr = '';
    this.pendingChars = 0;
    if (stdout) process.stdout.write(stdout);
    if (stderr) process.stderr.write(stderr);
  };

  private hook(): void {
    this.hooked = true;
    this.events.on('exit', this.flush);
  }
}

/** The process's buffer, shared by every DelayTaskLogger so that their lines keep their order. */
export const logLines = new LogLineBuffer();
