import type { OperationsStore, TaskState } from '../store/operations-store';
import { taskView, type TaskView } from './task-view';

export type CancelAnswer =
  | { outcome: 'cancelled'; task: TaskView }
  | { outcome: 'notFound' }
  | { outcome: 'done'; task: TaskView };
export type RequeueAnswer =
  | { outcome: 'requeued'; task: TaskView }
  | { outcome: 'notFound' }
  | { outcome: 'notFinished'; task: TaskView }
  | { outcome: 'done'; task: TaskView };

export interface ListQuery {
  state: TaskState;
  /** Only tasks of this handler name. */
  name?: string;
  limit: number;
  cursor?: string;
}

export interface TaskList {
  tasks: TaskView[];
  /** Where the next page starts; null when this is the last one. */
  cursor: string | null;
}

/*
 * The store's answers as operators read them, in one place for every front end (TaskOperations
 * behind the admin API, and the CLI, which talks to Redis without a Nest app): each turns what
 * the scripts say into a TaskView and an outcome.
 */

export async function inspectTaskView(
  store: OperationsStore,
  id: string,
): Promise<TaskView | undefined> {
  const task = await store.inspectTask(id);
  return task && taskView(task);
}

/** A done task cannot be cancelled: the script finds nothing to cancel while the task is known. */
export async function cancelTaskView(store: OperationsStore, id: string): Promise<CancelAnswer> {
  const { code } = await store.cancelTask(id);
  const task = await inspectTaskView(store, id);
  if (!task) return { outcome: 'notFound' };
  if (code === 'notFound') return { outcome: 'done', task };
  return { outcome: 'cancelled', task };
}

/** A done task is not requeued either: the script finds no live task while its history is kept. */
export async function requeueTaskView(store: OperationsStore, id: string): Promise<RequeueAnswer> {
  const { code } = await store.requeueTask(id);
  const task = await inspectTaskView(store, id);
  if (!task) return { outcome: 'notFound' };
  if (code === 'notFound') return { outcome: 'done', task };
  return code === 'requeued' ? { outcome: 'requeued', task } : { outcome: 'notFinished', task };
}

/** A page of one state; the name filter applies within the page, so a page may come back short. */
export async function listTaskViews(store: OperationsStore, query: ListQuery): Promise<TaskList> {
  const page = await store.listTasks(query.state, query.limit, query.cursor);
  const tasks = page.tasks.map(taskView);
  return {
    tasks: query.name === undefined ? tasks : tasks.filter((task) => task.name === query.name),
    cursor: page.cursor,
  };
}
