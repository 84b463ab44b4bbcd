import { Injectable } from '@nestjs/common';
import { DelayTask } from '../../tasks/delay-task.decorator';
import { PingTask } from './ping';

/** The seed's periodic task: `{"Name":"PeriodPingTask","Interval":"60","EndTime":"…","Url":"…"}`. */
@DelayTask('PeriodPingTask')
@Injectable()
export class PeriodPingTask extends PingTask {}
