import type { LoggerService } from '@nestjs/common';

/**
 * Logs a repeating failure once when it starts and once when it ends, so that a Redis outage
 * does not flood the log with one line per retry.
 */
export class OutageLog {
  private down = false;

  constructor(
    private readonly logger: LoggerService,
    private readonly what: string,
  ) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Cannot ${this.what} (retrying with backoff): ${reason}`);
  }

  succeeded(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log(`Can ${this.what} again`);
  }
}
