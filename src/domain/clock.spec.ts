import { FakeClock, systemClock } from './clock';

describe('clocks', () => {
  it('FakeClock moves only when told', () => {
    const clock = new FakeClock(1000);
    expect(clock.now()).toBe(1000);
    clock.advance(25);
    expect(clock.now()).toBe(1025);
    clock.set(50);
    expect(clock.now()).toBe(50);
  });

  it('systemClock tells whole unix ms that move on with time, close to the wall clock', () => {
    const first = systemClock.now();
    expect(Number.isSafeInteger(first)).toBe(true);
    expect(Math.abs(first - Date.now())).toBeLessThan(1000);
    expect(systemClock.now()).toBeGreaterThanOrEqual(first);
  });

  it('systemClock does not step when the wall clock does (an NTP correction)', () => {
    const before = systemClock.now();
    const step = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000);
    try {
      expect(systemClock.now() - before).toBeLessThan(1000);
    } finally {
      step.mockRestore();
    }
  });
});
