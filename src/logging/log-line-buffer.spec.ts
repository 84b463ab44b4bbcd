import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { setImmediate as nextImmediate } from 'node:timers';
import { DelayTaskLogger } from './delay-task-logger';
import { LogLineBuffer, logLines } from './log-line-buffer';

/** Every write to stdout and stderr, chunk by chunk, nothing reaching the real streams. */
function spyWrites(): { out: string[]; err: string[] } {
  const writes = { out: [] as string[], err: [] as string[] };
  const keep = (chunks: string[]) => (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(keep(writes.out));
  jest.spyOn(process.stderr, 'write').mockImplementation(keep(writes.err));
  return writes;
}

/** Resolves after the immediates queued so far (the buffer's flush among them) have run. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => nextImmediate(resolve));
}

function linesOf(chunks: string[]): string[] {
  return chunks.join('').split('\n').filter(Boolean);
}

afterEach(() => {
  logLines.flush();
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('DelayTaskLogger, buffered', () => {
  it('writes the lines of one turn with one write per stream, in order, at the end of the turn', async () => {
    const writes = spyWrites();
    const logger = new DelayTaskLogger({ colors: false, level: 'verbose' });
    logger.log('one', 'Ctx');
    logger.error('two', 'Error: two\n    at here (file.ts:1:1)', 'Ctx');
    logger.warn('three', 'Ctx');
    logger.error('four', 'Ctx');
    new DelayTaskLogger({ colors: false, level: 'verbose' }).debug('five', 'Other');
    expect(writes).toEqual({ out: [], err: [] });

    await nextTurn();
    expect(writes.out).toHaveLength(1);
    expect(writes.err).toHaveLength(1);
    expect(linesOf(writes.out)).toEqual([
      expect.stringMatching(/ {5}LOG \[Ctx\] one$/),
      expect.stringMatching(/ {4}WARN \[Ctx\] three$/),
      expect.stringMatching(/ {3}DEBUG \[Other\] five$/),
    ]);
    expect(linesOf(writes.err)).toEqual([
      expect.stringMatching(/ {3}ERROR \[Ctx\] two$/),
      'Error: two',
      '    at here (file.ts:1:1)',
      expect.stringMatching(/ {3}ERROR \[Ctx\] four$/),
    ]);

    logger.log('next turn', 'Ctx');
    await nextTurn();
    expect(writes.out).toHaveLength(2);
    expect(writes.out[1]).toMatch(/LOG \[Ctx\] next turn\n$/);
    expect(writes.err).toHaveLength(1);
  });

  it('routes as Nest does: errors (and their stacks) to stderr, every other level to stdout', async () => {
    const writes = spyWrites();
    for (const format of ['text', 'json'] as const) {
      const logger = new DelayTaskLogger({ format, colors: false, level: 'verbose' });
      for (const method of ['verbose', 'debug', 'log', 'warn', 'fatal'] as const) {
        logger[method](`${format} ${method}`, 'Ctx');
      }
      logger.error(`${format} error`, 'Error: e\n    at here (file.ts:1:1)', 'Ctx');
    }
    await nextTurn();
    const [out, err] = [linesOf(writes.out), linesOf(writes.err)];
    expect(out).toHaveLength(10);
    for (const line of out) expect(line).not.toMatch(/error/i);
    expect(err).toEqual([
      expect.stringMatching(/ERROR \[Ctx\] text error$/),
      'Error: e',
      '    at here (file.ts:1:1)',
      expect.stringContaining('"message":"json error"'),
    ]);
    expect(JSON.parse(err[3])).toMatchObject({
      level: 'error',
      stack: 'Error: e\n    at here (file.ts:1:1)',
    });
  });

  it('writes at the end of the turn even under fake timers', async () => {
    const writes = spyWrites();
    jest.useFakeTimers();
    new DelayTaskLogger({ format: 'json' }).log('under fake timers', 'Ctx');
    await nextTurn();
    expect(linesOf(writes.out)).toEqual([expect.stringContaining('"under fake timers"')]);
  });

  it('writes at once what is pending when asked to (flush)', () => {
    const writes = spyWrites();
    const logger = new DelayTaskLogger({ format: 'json' });
    logger.log('now', 'Ctx');
    logger.flush();
    expect(linesOf(writes.out)).toEqual([expect.stringContaining('"now"')]);
  });
});

describe('LogLineBuffer', () => {
  it('writes at once, within the turn, when what is pending passes its bound', async () => {
    const writes = spyWrites();
    const buffer = new LogLineBuffer(100, new EventEmitter());
    const line = `${'x'.repeat(39)}\n`;
    buffer.write('stdout', line);
    buffer.write('stderr', line);
    expect(writes).toEqual({ out: [], err: [] });
    buffer.write('stdout', line); // 120 characters pending
    expect(writes).toEqual({ out: [line + line], err: [line] });

    buffer.write('stdout', 'after\n');
    await nextTurn();
    expect(writes.out).toEqual([line + line, 'after\n']);
    expect(writes.err).toEqual([line]);
  });

  it('writes what is pending when the process exits', () => {
    const writes = spyWrites();
    const events = new EventEmitter();
    const buffer = new LogLineBuffer(1024, events);
    buffer.write('stdout', 'last words\n');
    buffer.write('stderr', 'last error\n');
    events.emit('exit', 1);
    expect(writes).toEqual({ out: ['last words\n'], err: ['last error\n'] });
  });

  it('listens to the process once, however many lines', () => {
    const events = new EventEmitter();
    const buffer = new LogLineBuffer(1024, events);
    spyWrites();
    for (let i = 0; i < 20; i++) buffer.write('stdout', `${i}\n`);
    expect(events.listenerCount('exit')).toBe(1);
    buffer.flush();
  });
});

describe('DelayTaskLogger in a process that ends within the turn of its last lines', () => {
  /** Runs a Node process that logs `count` lines and ends as `how` says, in that same turn. */
  function run(how: 'exit' | 'throw' | 'end', count = 3): { stdout: string; stderr: string } {
    const logger = join(__dirname, 'delay-task-logger.ts');
    const script = `
      const { DelayTaskLogger } = require(${JSON.stringify(logger)});
      const logger = new DelayTaskLogger({ format: 'json' });
      setTimeout(() => {
        for (let i = 1; i <= ${count}; i++) logger.log('line ' + i, 'Child');
        logger.error('an error', 'Child');
        if (${JSON.stringify(how)} === 'exit') process.exit(3);
        if (${JSON.stringify(how)} === 'throw') throw new Error('uncaught in the child');
      }, 1);`;
    const child = spawnSync(
      process.execPath,
      ['-r', require.resolve('ts-node/register/transpile-only'), '-e', script],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(child.error).toBeUndefined();
    expect(child.status).toBe({ exit: 3, throw: 1, end: 0 }[how]);
    return { stdout: child.stdout, stderr: child.stderr };
  }

  const messages = (text: string): string[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { message: string }).message);

  it.each(['exit', 'end'] as const)('keeps every line when it ends by %s', (how) => {
    const { stdout, stderr } = run(how);
    expect(messages(stdout)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(messages(stderr)).toEqual(['an error']);
  });

  it('keeps every line, before the uncaught exception, when it ends by one', () => {
    const { stdout, stderr } = run('throw');
    expect(messages(stdout)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(messages(stderr)).toEqual(['an error']);
    expect(stderr.indexOf('"an error"')).toBeLessThan(stderr.indexOf('uncaught in the child'));
  });

  it('keeps every line past the bound too', () => {
    const { stdout } = run('exit', 2000);
    expect(messages(stdout)).toHaveLength(2000);
  });
});
