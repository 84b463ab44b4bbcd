import { Injectable } from '@nestjs/common';
import { DelayTask } from '../../tasks/delay-task.decorator';
import { PingTask } from './ping';
import { PingPayload } from './ping-payload';

/** The seed's once task: `{"Name":"OncePingTask","ToRunAt":"…","Url":"http://…"}`. */
@DelayTask('OncePingTask', { payload: PingPayload })
@Injectable()
export class OncePingTask extends PingTask {}
