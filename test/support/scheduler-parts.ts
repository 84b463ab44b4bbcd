import type { Claim } from '../../src/domain/claim';
import { skewedClock } from '../../src/domain/clock';
import { ServerClock } from '../../src/scheduler/server-clock';
import { TimingWheel } from '../../src/scheduler/timing-wheel';
import type { TaskStore } from '../../src/store/task-store';
import type { TaskRunner } from '../../src/tasks/task-runner.service';
import { standIn } from './stand-in';

/**
 * The clock and the wheel as SchedulerModule's factories make them (same tick and size): the
 * clock of a host whose own clock is off by `hostSkewMs`, aligned to Redis time before the wheel
 * starts on it.
 */
export async function alignedScheduler(
  store: Pick<TaskStore, 'redisTime'>,
  hostSkewMs = 0,
): Promise<{ clock: ServerClock; wheel: TimingWheel<Claim> }> {
  const clock = new ServerClock(skewedClock(hostSkewMs));
  clock.observe(await store.redisTime());
  return {
    clock,
    wheel: new TimingWheel<Claim>({ tickMs: 1, wheelSize: 64, startMs: clock.now() }),
  };
}

/** A claim handed to the runner, and when (fake Date.now). */
export interface Fired {
  at: number;
  claim: Claim;
}

/**
 * The part of TaskRunner the wheel driver uses, recording: which claims it was handed and when,
 * and a way to report next occurrences as the runner does when a periodic run completes.
 */
export class RecordingRunner {
  readonly fired: Fired[] = [];
  /** What the runner says it can start within a lease (unbounded unless a spec sets it). */
  capacity = Number.POSITIVE_INFINITY;
  /** Fired claims not yet finished (`finish`). */
  claimed = 0;
  private readonly listeners: ((claims: Claim[]) => void)[] = [];
  private readonly roomListeners: (() => void)[] = [];

  enqueue(claims: readonly Claim[]): void {
    for (const claim of claims) this.fired.push({ at: Date.now(), claim });
    this.claimed += claims.length;
  }

  get load(): { running: number; claimed: number } {
    return { running: 0, claimed: this.claimed };
  }

  onNextOccurrences(listener: (claims: Claim[]) => void): void {
    this.listeners.push(listener);
  }

  onRoom(listener: () => void): void {
    this.roomListeners.push(listener);
  }

  /** `count` fired claims ran to their end, one by one, as the runner tells it. */
  finish(count: number): void {
    for (let i = 0; i < count; i++) {
      this.claimed--;
      for (const listener of this.roomListeners) listener();
    }
  }

  /** Next occurrences claimed as periodic runs completed (OutcomeWriter's report). */
  reportNext(claims: Claim[]): void {
    for (const listener of this.listeners) listener(claims);
  }

  /** This stand-in where a TaskRunner is declared (it has only what the driver calls). */
  asTaskRunner(): TaskRunner {
    return standIn<TaskRunner, 'enqueue' | 'onNextOccurrences' | 'onRoom' | 'capacity' | 'load'>(
      this,
    );
  }
}
