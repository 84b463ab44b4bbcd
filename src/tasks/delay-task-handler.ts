import type { TaskSpec } from '../domain/task-spec';
import type { TaskContext } from './task-context';

/** A task as its handler sees it: the stored fields plus the handler's own payload fields. */
export type TaskOf<P extends object> = TaskSpec & { readonly payload: Readonly<P> };

/**
 * The contract of a task type. Subclass it, decorate the class `@DelayTask('Name')` and
 * `@Injectable()`, and list it among a module's providers; its dependencies are injected as usual.
 * A throw, a rejection or the timeout marks the run failed; the engine logs it and never crashes.
 */
export abstract class DelayTaskHandler<P extends object = Record<string, unknown>> {
  abstract run(task: TaskOf<P>, context: TaskContext): Promise<void>;
}
