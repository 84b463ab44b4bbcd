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

  it('systemClock reads Date.now', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
