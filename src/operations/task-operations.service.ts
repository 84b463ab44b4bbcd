import { Inject, Injectable } from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, OPERATIONS_STORE } from '../delay-task.constants';
import { TaskIngestService, type ScheduleAnswer } from '../ingest/task-ingest.service';
import { readTaskMessage } from '../ingest/task-message.deserializer';
import type { OperationsStore, TaskStats } from '../store/operations-store';
import {
  cancelTaskView,
  inspectTaskView,
  listTaskViews,
  requeueTaskView,
  type CancelAnswer,
  type ListQuery,
  type RequeueAnswer,
  type TaskList,
} from './task-answers';
import type { TaskView } from './task-view';

export type { CancelAnswer, ListQuery, RequeueAnswer, TaskList } from './task-answers';

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

  get(id: string): Promise<TaskView | undefined> {
    return inspectTaskView(this.store, id);
  }

  cancel(id: string): Promise<CancelAnswer> {
    return cancelTaskView(this.store, id);
  }

  requeue(id: string): Promise<RequeueAnswer> {
    return requeueTaskView(this.store, id);
  }

  list(query: ListQuery): Promise<TaskList> {
    return listTaskViews(this.store, query);
  }

  stats(): Promise<TaskStats> {
    return this.store.stats();
  }
}
