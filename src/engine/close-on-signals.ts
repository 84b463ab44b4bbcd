import { type INestApplicationContext, Logger, type LoggerService } from '@nestjs/common';

/**
 * Closes the app gracefully on SIGTERM or SIGINT, then exits 0 (1 if closing failed). Closing runs
 * Nest's shutdown hooks, so the engine stops claiming, gives back what it has not started, lets
 * running tasks finish within `shutdownGraceMs`, and only then are connections closed. Used rather
 * than `enableShutdownHooks()`: Nest re-raises the signal after closing, which ends the process
 * with 143, and a graceful stop should say it went well.
 */
export function closeOnSignals(
  app: INestApplicationContext,
  logger: LoggerService = new Logger('DelayTask'),
  afterClose: () => void = () => undefined,
): void {
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      logger.log(`${signal} received: stopping gracefully`);
      app.close().then(
        () => {
          afterClose();
          process.exit(0);
        },
        (error: Error) => {
          logger.error(`Shutdown failed: ${error.message}`);
          process.exit(1);
        },
      );
    });
  }
}
