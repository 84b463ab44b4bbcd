import { Inject, Injectable, Logger } from '@nestjs/common';
import { SERVER_CLOCK, TASK_STORE, TIMING_WHEEL } from '../delay-task.constants';
import type { Claim } from '../domain/claim';
import { messageOf } from '../logging/error-causes';
import type { TaskStore } from '../store/task-store';
import { TaskRunner } from '../tasks/task-runner.service';
import { ServerClock } from './server-clock';
import type { TimerHandle, TimingWheel } from './timing-wheel';

/**
 * Where every claim goes (the one sink of both doors: ingest's claims at accept and the window
 * refill's): holds the claimed near-future tasks in the timing wheel and hands them to the runner
 * when due. One timer for the whole wheel: it sleeps until the earliest non-empty bucket.
 */
@Injectable()
export class WheelDriver {
  private readonly held = new Map<string, { claim: Claim; handle: TimerHandle }>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor: number | undefined;
  private stopped = false;
  /**
   * Tasks may be due in Redis that this instance left there for want of room (ingest did not
   * claim them, a refill stopped short): the refill looks again as soon as there is room.
   */
  dueLeftInRedis = false;

  private readonly logger = new Logger(WheelDriver.name);

  constructor(
    @Inject(TIMING_WHEEL) private readonly wheel: TimingWheel<Claim>,
    @Inject(SERVER_CLOCK) private readonly clock: ServerClock,
    private readonly runner: TaskRunner,
    @Inject(TASK_STORE) private readonly store: Pick<TaskStore, 'releaseClaims'>,
  ) {
    // A periodic task's next occurrence, claimed as its run completed: held like any other claim,
    // so that a short interval keeps its grid without waiting for the window refill.
    runner.onNextOccurrences((claims) => this.hold(claims));
  }

  /** Claims this instance may still take: what it can start within a lease, less what it holds. */
  get room(): number {
    return this.runner.capacity - this.held.size - this.runner.load.claimed;
  }

  /**
   * Whether to claim what is being accepted now. Not while stopping (new claims would only have
   * to be given back), nor beyond the room: those tasks stay due in Redis, for this instance's
   * refill or another instance's.
   */
  wantsClaims(): boolean {
    if (this.stopped) return false;
    if (this.room > 0) return true;
    this.dueLeftInRedis = true;
    return false;
  }

  /** Calls `listener` when half the capacity is free again and tasks were left in Redis. */
  onRoom(listener: () => void): void {
    this.runner.onRoom(() => {
      if (!this.dueLeftInRedis || this.stopped) return;
      if (this.room * 2 >= this.runner.capacity) listener();
    });
  }

  /** Claims a script made, with the Redis time of its reply (the clock keeps aligned by it). */
  take(redisNowMs: number, claims: readonly Claim[]): void {
    this.clock.observe(redisNowMs);
    this.hold(claims);
  }

  /** Stops firing and returns every claim still waiting in the wheel, for release. */
  stop(): Claim[] {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const claims = [...this.held.values()].map(({ claim, handle }) => {
      this.wheel.cancel(handle);
      return claim;
    });
    this.held.clear();
    return claims;
  }

  /** Schedules claimed tasks; those already due go straight to the runner. */
  private hold(claims: readonly Claim[]): void {
    if (claims.length === 0) return;
    if (this.stopped) return this.giveBack(claims);
    const due: Claim[] = [];
    for (const claim of claims) {
      const previous = this.held.get(claim.id);
      if (previous) this.wheel.cancel(previous.handle);
      const handle = this.wheel.add(claim.dueMs, claim);
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

  /**
   * Claims that reach a stopped driver (a refill or an ingest batch answered after the stop
   * began) go back to due for the other instances at once, rather than after their lease lapses.
   */
  private giveBack(claims: readonly Claim[]): void {
    this.store.releaseClaims(claims).then(
      (released) =>
        this.logger.log(`Stopping: gave back ${released} task(s) claimed as the stop began`),
      (error: unknown) =>
        this.logger.warn(
          `Stopping: could not give back ${claims.length} task(s) claimed as the stop began; ` +
            `they return to due when their lease lapses (${messageOf(error)})`,
        ),
    );
  }

  private fire = (): void => {
    this.timer = undefined;
    this.armedFor = undefined;
    const due = this.wheel.advance(this.clock.now());
    for (const claim of due) this.held.delete(claim.id);
    if (due.length > 0) this.runner.enqueue(due);
    this.arm();
  };

  private arm(): void {
    if (this.stopped) return;
    const next = this.wheel.nextExpiration();
    if (next === undefined || next === this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(this.fire, Math.max(0, next - this.clock.now()));
  }
}
