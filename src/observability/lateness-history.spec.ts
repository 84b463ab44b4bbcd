import type { ObservedRun } from '../events/engine-events';
import { LatenessHistory } from './lateness-history';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const RUN = {} as ObservedRun;

describe('LatenessHistory', () => {
  let now = T0;
  const history = (): LatenessHistory => new LatenessHistory(() => now);
  beforeEach(() => {
    now = T0;
  });

  it('sums up each second: how many runs started, median, 99th percentile and slowest', () => {
    const h = history();
    // 100 runs: 98 on time (0 ms, in the bucket up to 1 ms), one 7 ms late (up to 10), one 3 s late.
    for (let i = 0; i < 98; i++) h.runStarted(RUN, 0);
    h.runStarted(RUN, 7);
    h.runStarted(RUN, 3000);
    now += 1000;
    h.runStarted(RUN, 40);
    expect(h.points()).toEqual([
      { at: T0, count: 100, p50: 1, p99: 10, max: 3000 },
      { at: T0 + 1000, count: 1, p50: 40, p99: 40, max: 40 },
    ]);
  });

  it('gives a percentile as the upper bound of its bucket, never above the slowest run', () => {
    const h = history();
    h.runStarted(RUN, 3);
    h.runStarted(RUN, 4);
    expect(h.points()).toEqual([{ at: T0, count: 2, p50: 4, p99: 4, max: 4 }]);
    now += 1000;
    h.runStarted(RUN, 90_000);
    expect(h.points()[1]).toEqual({
      at: T0 + 1000,
      count: 1,
      p50: 90_000,
      p99: 90_000,
      max: 90_000,
    });
  });

  it('keeps the last five minutes: an older second is forgotten, its slot reused', () => {
    const h = history();
    h.runStarted(RUN, 5);
    now += 299_000;
    expect(h.points().map(({ at }) => at)).toEqual([T0]);
    now += 1000;
    expect(h.points()).toEqual([]);
    // The same slot of the ring, five minutes on: counted afresh.
    h.runStarted(RUN, 1);
    expect(h.points()).toEqual([{ at: T0 + 300_000, count: 1, p50: 1, p99: 1, max: 1 }]);
  });
});
