import type { LoggerService } from '@nestjs/common';
import type { CompleteResult } from '../store/task-store';
import type { Claim, RunOutcome } from '../domain/claim';
import { OutcomeWriter } from './outcome-writer';

const quiet: LoggerService = {
  log: () => undefined,
  error: () => undefined,
  warn: () => undefined,
};

const ok = (token: number): RunOutcome => ({ id: `task-${token}`, token, outcome: 'ok' });

/** The writer over a `completeRuns` that records each call; `answer` decides each reply. */
function writerWith(
  answer: (
    outcomes: readonly RunOutcome[],
    call: number,
    writer: OutcomeWriter,
  ) => Promise<CompleteResult[]>,
) {
  const calls: { windowMs: number | null; tokens: number[] }[] = [];
  const next: Claim[] = [];
  const writer: OutcomeWriter = new OutcomeWriter(
    quiet,
    2000,
    (windowMs, outcomes) => {
      calls.push({ windowMs, tokens: outcomes.map(({ token }) => token) });
      return answer(outcomes, calls.length, writer);
    },
    (claims) => next.push(...claims),
  );
  return { writer, calls, next };
}

const done = (outcomes: readonly RunOutcome[]): Promise<CompleteResult[]> =>
  Promise.resolve(outcomes.map(() => ({ code: 'done' as const })));

describe('OutcomeWriter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('writes the outcomes of one event-loop turn in one call, and hands on claimed next occurrences', async () => {
    const claimed: Claim = { id: 'task-2', dueMs: 1000, token: 9 };
    const { writer, calls, next } = writerWith((outcomes) =>
      Promise.resolve(
        outcomes.map(({ token }) =>
          token === 2 ? { code: 'next', next: claimed } : { code: 'done' },
        ),
      ),
    );
    [1, 2, 3].forEach((token) => writer.write(ok(token)));
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([{ windowMs: 2000, tokens: [1, 2, 3] }]);
    expect(next).toEqual([claimed]);
  });

  it('keeps two calls in flight at most, and counts what they carry as unrecorded', async () => {
    const replies: (() => void)[] = [];
    const { writer, calls } = writerWith(
      (outcomes) => new Promise((resolve) => replies.push(() => resolve(done(outcomes)))),
    );
    for (const token of [1, 2, 3]) {
      writer.write(ok(token));
      await jest.advanceTimersByTimeAsync(1);
    }
    expect(calls.map(({ tokens }) => tokens)).toEqual([[1], [2]]);
    expect(writer.unrecorded).toBe(3);

    replies[0]();
    await jest.advanceTimersByTimeAsync(1);
    expect(calls.map(({ tokens }) => tokens)).toEqual([[1], [2], [3]]);
    expect(writer.unrecorded).toBe(2);
    replies[1]();
    replies[2]();
    await jest.advanceTimersByTimeAsync(1);
    expect(writer.unrecorded).toBe(0);
  });

  it('retries through an outage, in order, and once stopped tries once more on flush', async () => {
    let up = false;
    const { writer, calls } = writerWith((outcomes) =>
      up ? done(outcomes) : Promise.reject(new Error('connection refused')),
    );
    writer.write(ok(1));
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.every(({ tokens }) => tokens.join() === '1')).toBe(true);

    writer.write(ok(2));
    up = true;
    await jest.advanceTimersByTimeAsync(1000);
    expect(calls.at(-1)).toEqual({ windowMs: 2000, tokens: [1, 2] });
    expect(writer.pending).toBe(0);

    up = false;
    writer.stop();
    writer.write(ok(3));
    const before = calls.length;
    const flushed = writer.flush();
    await jest.advanceTimersByTimeAsync(1000);
    await flushed;
    // The write's own try, then flush's one more: no retry loop once stopping.
    expect(calls.slice(before)).toEqual([
      { windowMs: null, tokens: [3] },
      { windowMs: null, tokens: [3] },
    ]);
    expect(writer.pending).toBe(1);
  });

  // A run that settles while the reply to the previous batch is being handled (a handler awaiting
  // a reply that came in the same socket read, say) writes its outcome a few microtasks after
  // that reply. Whatever the count, the outcome must go out: a run no longer held is no longer
  // renewed, so an outcome left behind lets its lease lapse and the task run again elsewhere.
  it.each([0, 1, 2, 3, 4])(
    'writes an outcome that arrives %i microtask(s) after the previous reply settled',
    async (hops) => {
      const { writer, calls } = writerWith((outcomes, call, self) => {
        const reply = done(outcomes);
        if (call === 1) {
          let later: Promise<unknown> = reply;
          for (let i = 0; i < hops; i++) later = later.then(() => undefined);
          void later.then(() => self.write(ok(2)));
        }
        return reply;
      });
      writer.write(ok(1));
      await jest.advanceTimersByTimeAsync(1000);
      expect(calls.flatMap(({ tokens }) => tokens)).toEqual([1, 2]);
    },
  );
});
