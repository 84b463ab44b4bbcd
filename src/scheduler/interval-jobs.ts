import type { LoggerService } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';

/**
 * The engine's periodic jobs. It owns their timers, so that it needs nothing from the app; when the
 * app has registered `ScheduleModule.forRoot()`, each job is also listed in its SchedulerRegistry
 * under its name (`delaytask:…`), where operators see the app's other intervals.
 */
export class IntervalJobs {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly logger: LoggerService,
    private readonly registry: SchedulerRegistry | undefined,
  ) {}

  /** Runs `job` every `everyMs`; a failure is logged at debug level (each job logs its outages). */
  start(name: string, everyMs: number, job: () => Promise<unknown>): void {
    this.stop(name);
    const timer = setInterval(() => {
      job().catch((error: Error) => {
        this.logger.debug?.(`${name} failed: ${error.message}`);
      });
    }, everyMs);
    this.timers.set(name, timer);
    this.registry?.addInterval(name, timer);
  }

  stopAll(): void {
    for (const name of [...this.timers.keys()]) this.stop(name);
  }

  private stop(name: string): void {
    const timer = this.timers.get(name);
    if (!timer) return;
    clearInterval(timer);
    this.timers.delete(name);
    if (this.registry?.doesExist('interval', name)) this.registry.deleteInterval(name);
  }
}
