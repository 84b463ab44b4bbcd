import { Inject, Injectable } from '@nestjs/common';
import { SERVER_CLOCK } from '../delay-task.constants';
import type { Claim } from '../domain/claim';
import { TaskRunner } from '../tasks/task-runner.service';
import { ServerClock } from './server-clock';
import { TimerHandle, TimingWheel } from './timing-wheel';

const TICK_MS = 1;
const WHEEL_SIZE = 64;

/**
 * Holds the claimed near-future tasks in the timing wheel and hands them to the runner when due.
 * One timer for the whole wheel: it sleeps until the earliest non-empty bucket.
 */
@Injectable()
export class WheelDriver {
  /**
   * Created with the first claims, not in the constructor: until a Redis reply has been observed
   * the server clock is the bare host clock, and a wheel started at a host time seconds ahead
   * would take every claim due before it as already due and run it early.
   */
  private wheel: TimingWheel<Claim> | undefined;
  private readonly held = new Map<string, { claim: Claim; handle: TimerHandle }>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private stopped = false;

  constructor(
    @Inject(SERVER_CLOCK) private readonly clock: ServerClock,
    private readonly runner: TaskRunner,
  ) {
    // A periodic task's next occurrence, claimed as its run completed: held like any other claim,
    // so that a short interval keeps its grid without waiting for the window refill.
    runner.onNextOccurrences((claims) => this.hold(claims));
  }

  /** False once stopping: new claims would only have to be given back. */
  get isHolding(): boolean {
    return !this.stopped;
  }

  /** Schedules claimed tasks; those already due go straight to the runner. */
  hold(claims: readonly Claim[]): void {
    if (this.stopped || claims.length === 0) return;
    // Claims come from a script reply whose server time the clock has just observed.
    const wheel = (this.wheel ??= new TimingWheel<Claim>({
      tickMs: TICK_MS,
      wheelSize: WHEEL_SIZE,
      startMs: this.clock.now(),
    }));
    const due: Claim[] = [];
    for (const claim of claims) {
      const previous = this.held.get(claim.id);
      if (previous) wheel.cancel(previous.handle);
      const handle = wheel.add(claim.dueMs, claim);
      if (handle) {
        this.held.set(claim.id, { claim, handle });
      } else {
        this.held.delete(claim.id);
        due.push(claim);
      }
    }
    if (due.length > 0) this.runner.enqueue(due);
    this.arm();
  }

  /** Stops firing and returns every claim still waiting in the wheel, for release. */
  stop(): Claim[] {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const claims = [...this.held.values()].map(({ claim, handle }) => {
      this.wheel?.cancel(handle);
      return claim;
    });
    this.held.clear();
    return claims;
  }

  private fire = (): void => {
    this.timer = undefined;
    this.armedFor = undefined;
    const due = this.wheel?.advance(this.clock.now()) ?? [];
    for (const claim of due) this.held.delete(claim.id);
    if (due.length > 0) this.runner.enqueue(due);
    this.arm();
  };

  private arm(): void {
    if (this.stopped) return;
    const next = this.wheel?.nextExpiration();
    if (next === undefined || next === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(this.fire, Math.max(0, next - this.clock.now()));
  }
}
