import type { LoggerService } from '@nestjs/common';
import type { EngineObserver, ObservedRun, RunSettlement } from './engine-events';
import { taskLine } from '../logging/task-log-line';

const SETTLED: Readonly<Record<RunSettlement, string>> = {
  ok: 'succeeded',
  error: 'failed',
  timeout: 'timed out',
  abandoned: 'was given up',
};

/**
 * One debug line per run, when it settles: when it started and how late, how it ended, how long
 * it took. Registered only while debug lines are written: it keeps each run's start meanwhile.
 */
export class RunLog implements EngineObserver {
  private readonly starts = new Map<number, { atMs: number; lateMs: number }>();

  constructor(
    private readonly logger: LoggerService,
    private readonly instance: string,
  ) {}

  runStarted(run: ObservedRun, lateMs: number): void {
    this.starts.set(run.started.token, { atMs: Date.now(), lateMs });
  }

  runSettled(run: ObservedRun, settlement: RunSettlement): void {
    const start = this.starts.get(run.started.token);
    this.starts.delete(run.started.token);
    const { id, token, attempt } = run.started;
    const ran = start
      ? `started ${new Date(start.atMs).toISOString()} (${start.lateMs} ms after its due time), ` +
        `${SETTLED[settlement]} after ${Date.now() - start.atMs} ms`
      : SETTLED[settlement];
    this.logger.debug?.(taskLine({ id, token, attempt, name: run.name }, this.instance, ran));
  }
}
