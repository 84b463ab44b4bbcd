import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { logLines } from './log-line-buffer';
import { TaskLogLine } from './task-log-line';

/** `text`: Nest's lines; `json`: one JSON object per line. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The least severe level written; each includes those above it (`warn`: warnings and errors). */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type DelayTaskLogLevel = (typeof LOG_LEVELS)[number];

export interface DelayTaskLoggerOptions {
  /** Default `text`. */
  format?: LogFormat;
  /** Default `log` (debug and verbose lines are left out). */
  level?: DelayTaskLogLevel;
  /** Colour codes in text lines; default: only when stdout is a terminal and NO_COLOR is unset. */
  colors?: boolean;
}

/** The Nest levels a level lets through (fatal always). */
export function logLevelsFrom(level: DelayTaskLogLevel): LogLevel[] {
  return ['fatal', ...LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1)];
}

/**
 * Nest's ConsoleLogger as an operator wants it: UTC timestamps with milliseconds, a level below
 * which nothing is written, no colour codes unless a terminal shows them, and with
 * `format: 'json'` one JSON object per line (`time`, `level`, `pid`, `context`, `message`, and on
 * a task's lines `taskId`, `taskName`, `attempt`, `fencingToken`, `instance`; `stack` on errors).
 *
 * Lines are not written one by one: those of one event-loop turn go out with one write per stream
 * on `setImmediate` (LogLineBuffer says when else, and what a `kill -9` loses). Every instance
 * shares the process's buffer, so lines keep their order across loggers.
 */
export class DelayTaskLogger extends ConsoleLogger {
  private readonly levels: LogLevel[];

  constructor(options: DelayTaskLoggerOptions = {}) {
    const json = options.format === 'json';
    const levels = logLevelsFrom(options.level ?? 'log');
    super({ json, logLevels: levels, colors: !json && (options.colors ?? colorsWanted()) });
    this.levels = levels;
  }

  /**
   * Makes this the logger of every `new Logger(context)`, its levels known to
   * `Logger.isLevelEnabled` too (the engine asks it whether to write a debug line per run).
   */
  install(): this {
    Logger.overrideLogger(this.levels);
    Logger.overrideLogger(this);
    return this;
  }

  /**
   * Writes the lines still pending now rather than at the end of this event-loop turn (or at
   * exit). Not Nest's `bufferLogs`: that holds lines until the app is created.
   */
  flush(): void {
    logLines.flush();
  }

  protected override getTimestamp(): string {
    return new Date().toISOString();
  }

  protected override printAsJson(
    message: unknown,
    options: {
      context: string;
      logLevel: LogLevel;
      writeStreamType?: 'stdout' | 'stderr';
      errorStack?: unknown;
    },
  ): void {
    const line = {
      time: new Date().toISOString(),
      level: options.logLevel,
      pid: process.pid,
      ...(options.context ? { context: options.context } : {}),
      message: message instanceof TaskLogLine ? message.text : message,
      ...(message instanceof TaskLogLine ? message.fields : {}),
      ...(options.errorStack === undefined ? {} : { stack: options.errorStack }),
    };
    logLines.write(options.writeStreamType ?? 'stdout', `${JSON.stringify(line, jsonSafe)}\n`);
  }

  /**
   * Nest's text lines, formatted as Nest does, into the buffer rather than one `write` each (Nest
   * writes inside this loop, so it is the narrowest method to override). JSON lines go through
   * `printAsJson` as in Nest.
   */
  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    for (const message of messages) {
      if (this.options.json) {
        this.printAsJson(message, { context, logLevel, writeStreamType, errorStack });
        continue;
      }
      const pidMessage = this.formatPid(process.pid);
      const contextMessage = this.formatContext(context);
      const timestampDiff = this.updateAndGetTimestampDiff();
      const formattedLogLevel = logLevel.toUpperCase().padStart(7, ' ');
      logLines.write(
        writeStreamType ?? 'stdout',
        this.formatMessage(
          logLevel,
          message,
          pidMessage,
          formattedLogLevel,
          contextMessage,
          timestampDiff,
        ),
      );
    }
  }

  /** An error's stack in text lines: on stderr after its line, as in Nest, through the buffer. */
  protected override printStackTrace(stack: string): void {
    if (!stack || this.options.json) return;
    logLines.write('stderr', `${stack}\n`);
  }
}

/** As Nest's own JSON lines do: what JSON cannot hold is written as text. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint' || typeof value === 'symbol') return value.toString();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return value;
}

function colorsWanted(): boolean {
  return process.stdout.isTTY === true && !process.env.NO_COLOR;
}

/**
 * The logger for `DELAYTASK_LOG_FORMAT` and `DELAYTASK_LOG_LEVEL` in `env`. Read before the
 * environment is checked (so that the check's own lines are formatted): a value the check will
 * refuse is taken as unset here.
 */
export function delayTaskLoggerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): DelayTaskLogger {
  return new DelayTaskLogger(delayTaskLoggerOptionsFromEnv(env));
}

/** The options `delayTaskLoggerFromEnv` reads, for a subclass of the logger. */
export function delayTaskLoggerOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): DelayTaskLoggerOptions {
  const format = oneOf(LOG_FORMATS, env.DELAYTASK_LOG_FORMAT);
  const level = oneOf(LOG_LEVELS, env.DELAYTASK_LOG_LEVEL);
  return { format, level };
}

function oneOf<T extends string>(values: readonly T[], text: string | undefined): T | undefined {
  return values.find((value) => value === text);
}
