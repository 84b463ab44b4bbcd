import type { LoggerService } from '@nestjs/common';
import type { SettledOutcome, StartedRun } from '../domain/claim';
import type { TaskSpec } from '../domain/task-spec';
import { errorWithCauses } from '../logging/error-causes';
import { TaskAbortedError } from './errors/task-aborted.error';
import type { TaskContext } from './task-context';

/** How long a handler's error text may be, in the log and in Redis. */
const MAX_ERROR_CHARS = 2000;

/**
 * One run of one occurrence, named by its fencing token. It settles exactly once: when the
 * handler's promise does, or when the run is aborted (timeout, lease lost, shutdown), whichever
 * comes first, so that a handler that ignores its signal or never settles cannot hold the slot.
 * The AbortController is made only when a handler reads `signal` or the run is aborted: most runs
 * need neither, and a burst makes many runs.
 */
export class Run {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  /** Local monotonic time (performance.now) until which this instance surely holds the lease. */
  leaseUntil: number;

  constructor(
    readonly started: StartedRun,
    /** The task its record holds; undefined when the record is not a valid task. */
    readonly spec: TaskSpec | undefined,
    /** When it started, by the Redis clock (as this host estimates it). */
    readonly startMs: number,
    leaseUntil: number,
    private readonly onSettled: (run: Run, outcome: SettledOutcome, error?: string) => void,
  ) {
    this.leaseUntil = leaseUntil;
  }

  get token(): number {
    return this.started.token;
  }

  /** The task's name, as far as its record could be read. */
  get name(): string {
    return this.spec?.name ?? '?';
  }

  /** Starts the handler; `invoke` may throw, return anything, or never settle. */
  start(timeoutMs: number, logger: LoggerService, invoke: (context: TaskContext) => unknown): void {
    this.timer = setTimeout(
      () => this.abort(new TaskAbortedError(this.started.id, 'timeout', `after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const context = this.context(logger);
    new Promise((resolve) => resolve(invoke(context))).then(
      () => this.settle('ok'),
      (error: unknown) => this.settle('error', errorText(error)),
    );
  }

  /** Fires the handler's signal with `reason` and settles the run now. */
  abort(reason: TaskAbortedError): void {
    if (this.settled) return;
    (this.controller ??= new AbortController()).abort(reason);
    if (reason.kind === 'timeout') this.settle('timeout', reason.message);
    else this.settle('abandoned', reason.message);
  }

  private context(logger: LoggerService): TaskContext {
    const signal = (): AbortSignal => (this.controller ??= new AbortController()).signal;
    return {
      get signal() {
        return signal();
      },
      scheduledAt: this.started.dueMs,
      attempt: this.started.attempt,
      fencingToken: this.started.token,
      logger,
    };
  }

  private settle(outcome: 'ok' | 'error' | 'timeout' | 'abandoned', error?: string): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const { id, token, attempt } = this.started;
    if (outcome === 'error' || outcome === 'timeout') {
      this.onSettled(this, { id, token, outcome, error: error ?? '', attempt }, error);
    } else {
      this.onSettled(this, { id, token, outcome }, error);
    }
  }
}

/** A handler's error as text, whatever was thrown (a getter that throws, a Symbol, a Proxy). */
export function errorText(error: unknown): string {
  const text = errorWithCauses(error);
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}
