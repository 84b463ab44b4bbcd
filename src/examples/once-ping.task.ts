import { Injectable } from '@nestjs/common';
import { DelayTask } from '../tasks/delay-task.decorator';
import { DelayTaskHandler, TaskOf } from '../tasks/delay-task-handler';
import type { TaskContext } from '../tasks/task-context';
import { ping, PingPayload } from './ping';

/** The seed's once task: `{"Name":"OncePingTask","ToRunAt":"…","Url":"http://…"}`. */
@DelayTask('OncePingTask')
@Injectable()
export class OncePingTask extends DelayTaskHandler<PingPayload> {
  run(task: TaskOf<PingPayload>, context: TaskContext): Promise<void> {
    return ping(task, context);
  }
}
