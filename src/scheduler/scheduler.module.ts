import { Module } from '@nestjs/common';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, SERVER_CLOCK, TASK_STORE, TIMING_WHEEL } from '../delay-task.constants';
import type { Claim } from '../domain/claim';
import { StoreModule } from '../store/store.module';
import type { TaskStore } from '../store/task-store';
import { TasksModule } from '../tasks/tasks.module';
import { skewedClock } from '../domain/clock';
import { ServerClock } from './server-clock';
import { TimingWheel } from './timing-wheel';
import { WheelDriver } from './wheel-driver.service';
import { WindowRefill } from './window-refill.service';

/** One tick per millisecond: due times are kept to the millisecond. */
const TICK_MS = 1;
const WHEEL_SIZE = 64;

/**
 * The timing wheel and what drives it: the clock aligned to Redis time, the driver that holds
 * claims in the wheel and hands due ones to the runner, and the window refill that claims them.
 */
@Module({
  imports: [StoreModule, TasksModule],
  providers: [
    {
      provide: SERVER_CLOCK,
      useFactory: (options: DelayTaskOptions) => new ServerClock(skewedClock(options.clockSkewMs)),
      inject: [DELAY_TASK_CONFIG],
    },
    {
      // Started on the Redis clock: a wheel started at a host time seconds ahead would take every
      // claim due before it as already due, and run it early.
      provide: TIMING_WHEEL,
      useFactory: async (store: TaskStore, clock: ServerClock): Promise<TimingWheel<Claim>> => {
        clock.observe(await store.redisTime());
        return new TimingWheel<Claim>({
          tickMs: TICK_MS,
          wheelSize: WHEEL_SIZE,
          startMs: clock.now(),
        });
      },
      inject: [TASK_STORE, SERVER_CLOCK],
    },
    WheelDriver,
    WindowRefill,
  ],
  exports: [SERVER_CLOCK, TIMING_WHEEL, WheelDriver, WindowRefill],
})
export class SchedulerModule {}
