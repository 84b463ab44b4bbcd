import { Module } from '@nestjs/common';
import { OncePingTask } from './once-ping.task';
import { PeriodPingTask } from './period-ping.task';
import { PingClient } from './ping-client';
import { PingOptions } from './ping-options';

/** The seed's two example task types; any module of the app can hold handlers like these. */
@Module({
  providers: [
    OncePingTask,
    PeriodPingTask,
    PingClient,
    // The examples' own setting, read here rather than among the engine's options.
    { provide: PingOptions, useFactory: () => PingOptions.fromEnv(process.env) },
  ],
})
export class ExamplesModule {}
