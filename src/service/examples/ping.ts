import { Injectable } from '@nestjs/common';
import { DelayTaskHandler, type TaskOf } from '../../tasks/delay-task-handler';
import { fieldValue } from '../../tasks/field-name';
import type { TaskContext } from '../../tasks/task-context';
import { PingClient, PingError } from './ping-client';

/**
 * What the seed's two example task types do: GET the task's `Url` (the field matched as the seed
 * matches it, so `url` works too) and log when the run started against when it was due.
 */
@Injectable()
export abstract class PingTask extends DelayTaskHandler {
  constructor(private readonly client: PingClient) {
    super();
  }

  async run(task: TaskOf<Record<string, unknown>>, context: TaskContext): Promise<void> {
    const url = fieldValue(task.payload, 'Url');
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
