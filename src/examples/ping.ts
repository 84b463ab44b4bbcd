import type { TaskContext } from '../tasks/task-context';
import type { TaskOf } from '../tasks/delay-task-handler';

export interface PingPayload {
  Url: string;
}

/** GETs the task's Url (aborted at the task's timeout) and logs when it ran against when it was due. */
export async function ping(task: TaskOf<PingPayload>, context: TaskContext): Promise<void> {
  const url = task.payload.Url;
  if (typeof url !== 'string') throw new Error(`task ${task.id} has no Url to ping`);
  const startedAt = Date.now();
  const response = await fetch(url, { signal: context.signal });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  context.logger.log(
    `${task.name} ${task.id} ToRunAt ${new Date(context.scheduledAt).toISOString()} ` +
      `RunAt ${new Date(startedAt).toISOString()} (+${startedAt - context.scheduledAt} ms), ` +
      `attempt ${context.attempt}`,
  );
}
