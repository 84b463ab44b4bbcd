import { Injectable } from '@nestjs/common';
import { DelayTask } from '../../tasks/delay-task.decorator';
import { PingTask } from './ping';
import { PingPayload } from './ping-payload';

/** The seed's periodic task: `{"Name":"PeriodPingTask","Interval":"60","EndTime":"…","Url":"…"}`. */
@DelayTask('PeriodPingTask', { payload: PingPayload })
@Injectable()
export class PeriodPingTask extends PingTask {}
