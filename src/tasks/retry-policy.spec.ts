import { backoffDelayMs, retryPolicy } from './retry-policy';

const middle = () => 0.5;
const low = () => 0;
const high = () => 0.999999;

describe('backoffDelayMs', () => {
  it('doubles from the base with each attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, 1000, 3_600_000, middle))).toEqual(
      [1000, 2000, 4000, 8000],
    );
  });

  it('draws within ±20 % of the nominal wait', () => {
    expect(backoffDelayMs(3, 1000, 3_600_000, low)).toBe(3200);
    expect(backoffDelayMs(3, 1000, 3_600_000, high)).toBe(4800);
  });

  it('never waits longer than the cap, however many attempts, jitter included', () => {
    expect(backoffDelayMs(20, 1000, 60_000, high)).toBe(60_000);
    expect(backoffDelayMs(10_000, 1000, 3_600_000, middle)).toBe(3_600_000);
  });
});

describe('retryPolicy', () => {
  it("takes the task's own fields before its type's defaults", () => {
    expect(
      retryPolicy({ retries: 2, retryDelayMs: 500 }, { retries: 9, retryDelayMs: 9 }, 1, middle),
    ).toEqual({
      maxAttempts: 3,
      delayMs: 500,
    });
    expect(retryPolicy({}, { retries: 1, retryDelayMs: 250 }, 2, middle)).toEqual({
      maxAttempts: 2,
      delayMs: 500,
    });
  });

  it('waits 1 s by default and retries nothing unless asked', () => {
    expect(retryPolicy({ retries: 1 }, {}, 1, middle)).toEqual({ maxAttempts: 2, delayMs: 1000 });
    expect(retryPolicy({}, {}, 1, middle)).toBeUndefined();
    expect(retryPolicy({ retries: 0 }, { retries: 5 }, 1, middle)).toBeUndefined();
  });

  it("caps the wait at the type's longest", () => {
    expect(retryPolicy({ retries: 5 }, { retryMaxDelayMs: 1500 }, 4, middle)).toEqual({
      maxAttempts: 6,
      delayMs: 1500,
    });
  });
});
