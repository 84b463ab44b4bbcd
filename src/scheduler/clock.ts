/** Unix milliseconds. Injected so that time-dependent code can be tested without real waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The system clock off by `skewMs`: how a host with a wrong clock looks (tests inject it). */
export function skewedClock(skewMs: number): Clock {
  return skewMs === 0 ? systemClock : { now: () => Date.now() + skewMs };
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
