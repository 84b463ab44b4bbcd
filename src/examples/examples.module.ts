import { Module } from '@nestjs/common';
import { OncePingTask } from './once-ping.task';
import { PeriodPingTask } from './period-ping.task';

/** The seed's two example task types; any module of the app can hold handlers like these. */
@Module({ providers: [OncePingTask, PeriodPingTask] })
export class ExamplesModule {}
