import { Logger } from '@nestjs/common';
import { DelayTaskLogger, delayTaskLoggerFromEnv, logLevelsFrom } from './delay-task-logger';
import { logLines } from './log-line-buffer';
import { taskLine } from './task-log-line';

const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
// eslint-disable-next-line no-control-regex -- finding colour codes is the point
const ANSI = /\u001b\[/;

/**
 * What the logger writes to stdout and stderr, line by line: reading either writes the lines still
 * pending first (they would be written at the end of the turn).
 */
function capture(): { readonly out: string[]; readonly err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const keep = (lines: string[]) => (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(keep(out));
  jest.spyOn(process.stderr, 'write').mockImplementation(keep(err));
  return {
    get out() {
      logLines.flush();
      return out;
    },
    get err() {
      logLines.flush();
      return err;
    },
  };
}

afterEach(() => {
  logLines.flush();
  jest.restoreAllMocks();
});

describe('DelayTaskLogger, text', () => {
  it('stamps each line with UTC time to the millisecond, and colours nothing off a terminal', () => {
    const written = capture();
    const logger = new DelayTaskLogger({ colors: false });
    logger.log('hello', 'Ctx');
    logger.error('bad', 'Ctx');
    const [line] = written.out;
    const [, time] = /^\[Nest\] \d+ {2}- (\S+) {5}LOG \[Ctx\] hello$/.exec(line) ?? [];
    expect(time).toMatch(ISO_UTC_MS);
    expect(written.err).toEqual([expect.stringMatching(/ERROR \[Ctx\] bad$/)]);
    expect(written.out.join('') + written.err.join('')).not.toMatch(ANSI);
  });

  it('colours only when stdout is a terminal and NO_COLOR is unset', () => {
    const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    const noColor = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
      const written = capture();
      new DelayTaskLogger().log('on a terminal', 'Ctx');
      Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
      new DelayTaskLogger().log('in a pipe', 'Ctx');
      expect(written.out[0]).toMatch(ANSI);
      expect(written.out[1]).not.toMatch(ANSI);
    } finally {
      if (tty) Object.defineProperty(process.stdout, 'isTTY', tty);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
      if (noColor !== undefined) process.env.NO_COLOR = noColor;
    }
  });

  it("shows a task line's text", () => {
    const written = capture();
    new DelayTaskLogger({ colors: false }).warn(taskLine({ id: '42', token: 7 }, 'i', 'x'), 'R');
    expect(written.out).toEqual([
      expect.stringMatching(/WARN \[R\] Task 42 \(token 7, instance i\) x$/),
    ]);
  });

  it.each([
    ['error', ['error']],
    ['warn', ['error', 'warn']],
    ['log', ['error', 'warn', 'log']],
    ['debug', ['error', 'warn', 'log', 'debug']],
    ['verbose', ['error', 'warn', 'log', 'debug', 'verbose']],
  ] as const)('at level %s writes %j', (level, shown) => {
    const written = capture();
    const logger = new DelayTaskLogger({ level, format: 'json' });
    for (const method of ['verbose', 'debug', 'log', 'warn', 'error'] as const) {
      logger[method](method, 'Ctx');
    }
    const levels = [...written.out, ...written.err].map(
      (line) => (JSON.parse(line) as { level: string }).level,
    );
    expect(levels.sort()).toEqual([...shown].sort());
    expect(logLevelsFrom(level)).toEqual(['fatal', ...shown]);
  });
});

describe('DelayTaskLogger, json', () => {
  it('writes one JSON object per line: time, level, pid, context, message', () => {
    const written = capture();
    new DelayTaskLogger({ format: 'json' }).log('two\nlines', 'Ctx');
    expect(written.out).toHaveLength(1);
    const line = JSON.parse(written.out[0]) as Record<string, unknown>;
    expect(line).toEqual({
      time: expect.stringMatching(ISO_UTC_MS) as unknown,
      level: 'log',
      pid: process.pid,
      context: 'Ctx',
      message: 'two\nlines',
    });
  });

  it("puts a task line's fields beside its message", () => {
    const written = capture();
    const line = taskLine({ id: '42', name: 'Ping', attempt: 1, token: 7 }, 'host:1', 'failed: x');
    new DelayTaskLogger({ format: 'json' }).warn(line, 'TaskRunner');
    expect(JSON.parse(written.out[0])).toMatchObject({
      level: 'warn',
      context: 'TaskRunner',
      message: line.text,
      taskId: '42',
      taskName: 'Ping',
      attempt: 1,
      fencingToken: 7,
      instance: 'host:1',
    });
  });

  it('writes errors to stderr with their stack, and through Nest’s Logger too', () => {
    const written = capture();
    const logger = new DelayTaskLogger({ format: 'json' });
    Logger.overrideLogger(logger);
    try {
      new Logger('Main').error('it broke', 'Error: it broke\n    at here (file.ts:1:1)');
    } finally {
      Logger.overrideLogger(true);
    }
    expect(written.out).toEqual([]);
    expect(JSON.parse(written.err[0])).toMatchObject({
      level: 'error',
      context: 'Main',
      message: 'it broke',
      stack: 'Error: it broke\n    at here (file.ts:1:1)',
    });
  });
});

describe('install', () => {
  afterEach(() => {
    Logger.overrideLogger(true);
    Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
  });

  it("makes it Nest's logger, with its levels known to Logger.isLevelEnabled", () => {
    const written = capture();
    new DelayTaskLogger({ format: 'json', level: 'debug' }).install();
    new Logger('Ctx').debug('shown');
    expect(Logger.isLevelEnabled('debug')).toBe(true);
    expect(Logger.isLevelEnabled('verbose')).toBe(false);
    expect(JSON.parse(written.out[0])).toMatchObject({ context: 'Ctx', message: 'shown' });
    new DelayTaskLogger({ level: 'log' }).install();
    expect(Logger.isLevelEnabled('debug')).toBe(false);
  });
});

describe('delayTaskLoggerFromEnv', () => {
  it('reads DELAYTASK_LOG_FORMAT and DELAYTASK_LOG_LEVEL', () => {
    const written = capture();
    const logger = delayTaskLoggerFromEnv({
      DELAYTASK_LOG_FORMAT: 'json',
      DELAYTASK_LOG_LEVEL: 'warn',
    });
    logger.log('hidden', 'Ctx');
    logger.warn('shown', 'Ctx');
    expect(written.out.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'shown',
    ]);
  });

  it('takes a value the environment check will refuse as unset: text, from log up', () => {
    const written = capture();
    const logger = delayTaskLoggerFromEnv({
      DELAYTASK_LOG_FORMAT: 'xml',
      DELAYTASK_LOG_LEVEL: 'x',
    });
    logger.debug('hidden', 'Ctx');
    logger.log('shown', 'Ctx');
    expect(written.out).toEqual([expect.stringMatching(/LOG \[Ctx\] shown$/)]);
  });
});
