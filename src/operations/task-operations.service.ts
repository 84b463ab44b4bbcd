import { Inject, Injectable } from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, OPERATIONS_STORE } from '../delay-task.constants';
import { TaskIngestService, type ScheduleAnswer } from '../ingest/task-ingest.service';
import { readTaskMessage } from '../ingest/task-message.deserializer';
import type { OperationsStore, TaskState, TaskStats } from '../store/operations-store';
import { taskView, type TaskView } from './task-view';

export type CancelAnswer =
  | { outcome: 'cancelled'; task: TaskView }
  | { outcome: 'notFound' }
  | { outcome: 'done'; task: TaskView };
export type RequeueAnswer =
  | { outcome: 'requeued'; task: TaskView }
  | { outcome: 'notFound' }
  | { outcome: 'notFinished'; task: TaskView };

export interface ListQuery {
  state: TaskState;
  /** Only tasks of this handler name. */
  name?: string;
  limit: number;
  cursor?: string;
}

/**
 * Every operation on a task's life, for the admin API, the CLI and any app that embeds the engine:
 * schedule with an answer, inspect, cancel (a running task too, on whichever instance runs it),
 * list by state, requeue what failed or was cancelled, count.
 */
@Injectable()
export class TaskOperations {
  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(OPERATIONS_STORE) private readonly store: OperationsStore,
    private readonly ingest: TaskIngestService,
  ) {}

  /** A task in the wire format (text, or an object to be sent as JSON), checked as ingest does. */
  schedule(task: string | object): Promise<ScheduleAnswer> {
    const text = typeof task === 'string' ? task : JSON.stringify(task);
    return this.ingest.schedule(readTaskMessage(text, this.options.maxMessageBytes));
  }

  async get(id: string): Promise<TaskView | undefined> {
    const task = await this.store.inspectTask(id);
    return task && taskView(task);
  }

  async cancel(id: string): Promise<CancelAnswer> {
    const { code } = await this.store.cancelTask(id);
    const task = await this.get(id);
    if (!task) return { outcome: 'notFound' };
    if (code === 'notFound') return { outcome: 'done', task };
    return { outcome: 'cancelled', task };
  }

  async requeue(id: string): Promise<RequeueAnswer> {
    const { code } = await this.store.requeueTask(id);
    const task = await this.get(id);
    if (!task || code === 'notFound') return { outcome: 'notFound' };
    return code === 'requeued' ? { outcome: 'requeued', task } : { outcome: 'notFinished', task };
  }

  async list(query: ListQuery): Promise<{ tasks: TaskView[]; cursor: string | null }> {
    const page = await this.store.listTasks(query.state, query.limit, query.cursor);
    const tasks = page.tasks.map(taskView);
    return {
      tasks: query.name === undefined ? tasks : tasks.filter((task) => task.name === query.name),
      cursor: page.cursor,
    };
  }

  stats(): Promise<TaskStats> {
    return this.store.stats();
  }
}
