import { ThroughputMeter } from './throughput-meter';

describe('ThroughputMeter', () => {
  it('knows nothing before the first interval ends', () => {
    const meter = new ThroughputMeter(0);
    for (let i = 0; i < 100; i++) meter.finished(i);
    expect(meter.perSecond(249)).toBe(0);
  });

  it('follows a steady rate within a few intervals', () => {
    const meter = new ThroughputMeter(0);
    // 400 runs per second: one every 2.5 ms for two seconds.
    for (let t = 0; t < 2000; t += 2.5) meter.finished(t);
    expect(meter.perSecond(2000)).toBeGreaterThan(390);
    expect(meter.perSecond(2000)).toBeLessThanOrEqual(400);
  });

  it('decays while nothing finishes, to nothing after a long pause', () => {
    const meter = new ThroughputMeter(0);
    for (let t = 0; t < 1000; t += 1) meter.finished(t);
    const busy = meter.perSecond(1000);
    expect(meter.perSecond(1500)).toBeLessThan(busy / 2);
    expect(meter.perSecond(60_000)).toBeLessThan(1e-6);
  });

  it('counts a run in the interval it finished in, however late the next reading', () => {
    const meter = new ThroughputMeter(0);
    meter.finished(10);
    meter.finished(10_000);
    // The first run's interval closed long ago and decayed; the second's is still open.
    expect(meter.perSecond(10_100)).toBeLessThan(1e-6);
    expect(meter.perSecond(10_250)).toBeCloseTo(2, 5);
  });
});
