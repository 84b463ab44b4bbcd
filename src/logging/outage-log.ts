import type { LoggerService } from '@nestjs/common';
import { messageOf } from './error-causes';
import { printable } from './printable';

/**
 * Logs a repeating failure once when it starts and once when it ends, so that a Redis outage
 * does not flood the log with one line per retry.
 */
export class OutageLog {
  private down = false;

  /** `level`: how the start of an outage is logged (`error` where something may be lost). */
  constructor(
    private readonly logger: LoggerService,
    private readonly what: string,
    private readonly level: 'warn' | 'error' = 'warn',
  ) {}

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    const reason = printable(messageOf(error), 500);
    this.logger[this.level](`Cannot ${this.what} (retrying with backoff): ${reason}`);
  }

  succeeded(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log(`Can ${this.what} again`);
  }
}
