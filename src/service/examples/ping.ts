import { Injectable } from '@nestjs/common';
import { DelayTaskHandler, type TaskOf } from '../../tasks/delay-task-handler';
import type { TaskContext } from '../../tasks/task-context';
import { PingClient, PingError } from './ping-client';
import type { PingPayload } from './ping-payload';

/**
 * What the seed's two example task types do: GET the task's `Url` (checked at ingest by
 * `PingPayload`, which also reads `url`) and log when the run started against when it was due.
 */
@Injectable()
export abstract class PingTask extends DelayTaskHandler<PingPayload> {
  constructor(private readonly client: PingClient) {
    super();
  }

  async run(task: TaskOf<PingPayload>, context: TaskContext): Promise<void> {
    const url: unknown = task.payload.Url;
    // A task stored before its type had a payload class was never checked: it may lack a Url.
    if (typeof url !== 'string') throw new PingError(`task ${task.id} has no Url to ping`);
    const startedAt = Date.now();
    await this.client.get(url, context.signal);
    context.logger.log(
      `${task.name} ${task.id} ToRunAt ${new Date(context.scheduledAt).toISOString()} ` +
        `RunAt ${new Date(startedAt).toISOString()} (+${startedAt - context.scheduledAt} ms), ` +
        `attempt ${context.attempt}`,
    );
  }
}
