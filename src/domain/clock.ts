/** Unix milliseconds. Injected so that time-dependent code can be tested without real waiting. */
export interface Clock {
  now(): number;
}

/** Unix ms when the monotonic clock read 0 (read once: test fakes may replace `performance`). */
const START_MS =
  typeof performance.timeOrigin === 'number'
    ? performance.timeOrigin
    : Date.now() - performance.now();

/**
 * Unix ms that never step: the process's monotonic clock from the moment it started. A wall
 * clock corrected by NTP would jump, and the server clock built on it would run ahead of Redis
 * until enough new observations came in.
 */
export const systemClock: Clock = { now: () => Math.floor(START_MS + performance.now()) };

/** The system clock off by `skewMs`: how a host with a wrong clock looks (tests inject it). */
export function skewedClock(skewMs: number): Clock {
  return skewMs === 0 ? systemClock : { now: () => systemClock.now() + skewMs };
}

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  constructor(private ms = 0) {}

  now(): number {
    return this.ms;
  }

  set(ms: number): void {
    this.ms = ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
