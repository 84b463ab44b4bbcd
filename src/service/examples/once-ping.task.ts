import { Injectable } from '@nestjs/common';
import { DelayTask } from '../../tasks/delay-task.decorator';
import { PingTask } from './ping';

/** The seed's once task: `{"Name":"OncePingTask","ToRunAt":"…","Url":"http://…"}`. */
@DelayTask('OncePingTask')
@Injectable()
export class OncePingTask extends PingTask {}
