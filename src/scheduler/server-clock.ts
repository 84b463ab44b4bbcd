import { Clock, systemClock } from '../domain/clock';

const SAMPLES_KEPT = 8;

/**
 * Redis server time as seen from this host, so that every instance judges due times and leases by
 * one clock whatever its own clock says. Each observation is a lower bound of the server's time at
 * the moment its reply arrived, so the estimate never runs ahead of the server: tasks are never early.
 */
export class ServerClock implements Clock {
  private readonly offsets: number[] = [];
  private offsetMs = 0;

  constructor(private readonly local: Clock = systemClock) {}

  now(): number {
    return this.local.now() + this.offsetMs;
  }

  /** Records a server time (ms) read by a command whose reply arrived at local time `receivedAt`. */
  observe(serverNowMs: number, receivedAt: number = this.local.now()): void {
    this.offsets.push(serverNowMs - receivedAt);
    if (this.offsets.length > SAMPLES_KEPT) this.offsets.shift();
    this.offsetMs = Math.max(...this.offsets);
  }
}
