import { Logger, type LoggerService } from '@nestjs/common';

export type LogLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';

export interface LogLine {
  level: LogLevel;
  /** The Nest logger's context: the class that logged (`WindowRefill`, `TaskIngestService`). */
  context: string;
  message: string;
}

/** A Nest logger that keeps its lines, so that specs can read them and the console stays quiet. */
export class LogCapture implements LoggerService {
  lines: LogLine[] = [];
  log = this.keep('log');
  error = this.keep('error');
  warn = this.keep('warn');
  debug = this.keep('debug');
  verbose = this.keep('verbose');
  fatal = this.keep('fatal');

  /** The messages `context` logged, at `level` when given. */
  of(context: string, level?: LogLevel): string[] {
    return this.lines
      .filter((line) => line.context === context && (level === undefined || line.level === level))
      .map((line) => line.message);
  }

  private keep(level: LogLevel): (message: unknown, ...rest: unknown[]) => void {
    // A Nest Logger made with a context passes it last.
    return (message, ...rest) =>
      void this.lines.push({ level, context: String(rest.at(-1)), message: String(message) });
  }
}

/**
 * Nest's static logger replaced by a LogCapture for the spec file, emptied before each test.
 * (A testing module installs its own logger when compiled: give it this one with `setLogger`.)
 */
export function captureNestLogs(): LogCapture {
  const logs = new LogCapture();
  beforeAll(() => {
    Logger.overrideLogger(logs);
  });
  afterAll(() => {
    Logger.overrideLogger(true);
  });
  beforeEach(() => {
    logs.lines = [];
  });
  return logs;
}
