import type { LoggerService } from '@nestjs/common';
import type { RunOutcome, StartedRun } from '../domain/claim';
import { TaskAbortedError } from './errors/task-aborted.error';
import { errorText, Run } from './run';
import type { TaskContext } from './task-context';

const quiet: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: () => undefined,
};
const started: StartedRun = {
  id: 'task-1',
  dueMs: 1000,
  plannedMs: 1000,
  token: 7,
  record: '{}',
  attempt: 2,
};

/** A run of `invoke`, with every outcome it reports. */
function runOf(invoke: (context: TaskContext) => unknown, timeoutMs = 10_000) {
  const settled: RunOutcome[] = [];
  const spec = { id: started.id, name: 'Probe', payload: {} };
  const run = new Run(started, spec, 1000, Infinity, (_run, outcome) => settled.push(outcome));
  run.start(timeoutMs, quiet, invoke);
  return { run, settled };
}

const shutdown = (): TaskAbortedError => new TaskAbortedError(started.id, 'shutdown');

describe('Run', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('settles once when the handler settles after an abort', async () => {
    let finish: () => void = () => undefined;
    const { run, settled } = runOf(() => new Promise<void>((resolve) => (finish = resolve)));
    run.abort(shutdown());
    run.abort(shutdown());
    finish();
    await jest.advanceTimersByTimeAsync(20_000);
    expect(settled).toEqual([{ id: 'task-1', token: 7, outcome: 'abandoned' }]);
  });

  it('an abort after the handler settled neither fires its signal nor settles again', async () => {
    let signal: AbortSignal | undefined;
    const { run, settled } = runOf((context) => void (signal = context.signal));
    await jest.advanceTimersByTimeAsync(0);
    run.abort(shutdown());
    expect(settled).toEqual([{ id: 'task-1', token: 7, outcome: 'ok' }]);
    expect(signal?.aborted).toBe(false);
  });

  it('a handler that reads its signal only after the abort sees it aborted, with the reason', async () => {
    const seen: { aborted: boolean; reason: unknown }[] = [];
    const { run } = runOf(async (context) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen.push({ aborted: context.signal.aborted, reason: context.signal.reason });
    });
    const reason = shutdown();
    run.abort(reason);
    await jest.advanceTimersByTimeAsync(100);
    expect(seen).toEqual([{ aborted: true, reason }]);
  });

  it('the timeout settles the run with its attempt and the reason', async () => {
    const { settled } = runOf(() => new Promise(() => undefined), 250);
    await jest.advanceTimersByTimeAsync(249);
    expect(settled).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(settled).toEqual([
      {
        id: 'task-1',
        token: 7,
        outcome: 'timeout',
        attempt: 2,
        error: expect.stringContaining('250 ms') as unknown,
      },
    ]);
  });
});

describe('describe (a handler error as text)', () => {
  it('names an Error by its name and message', () => {
    expect(errorText(new RangeError('out of range'))).toBe('RangeError: out of range');
  });

  it('cuts a long text to 2000 characters and marks the cut', () => {
    const text = errorText('x'.repeat(5000));
    expect(text).toBe(`${'x'.repeat(2000)}…`);
  });
});
