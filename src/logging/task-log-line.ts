import { inspect } from 'node:util';
import { printable } from './printable';

/** What a line about one task carries for machines (JSON logs), outside text escaped. */
export interface TaskLogFields {
  readonly taskId: string;
  readonly taskName?: string;
  readonly attempt?: number;
  readonly fencingToken: number;
  /** The instance that logged it (`DELAYTASK_INSTANCE_ID`). */
  readonly instance: string;
}

/**
 * A log line about one task: its text for people, its fields for machines. DelayTaskLogger writes
 * the fields into JSON lines; any other logger shows the text, since `toString`, `toJSON` and
 * `util.inspect` all give it (Nest's ConsoleLogger inspects a message that is not a string).
 */
export class TaskLogLine {
  constructor(
    readonly text: string,
    readonly fields: TaskLogFields,
  ) {}

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }

  [inspect.custom](): string {
    return this.text;
  }
}

/** The task a line is about: a run's, or a claim's (whose name and attempt are not known). */
export interface TaskRef {
  readonly id: string;
  readonly token: number;
  readonly name?: string;
  readonly attempt?: number;
}

/**
 * `Task 42 (OncePingTask, attempt 1, token 7, instance host:1:ab) <what>`, with the same in its
 * fields. The ID, the name and the instance are escaped here; `what` must be safe already.
 */
export function taskLine(task: TaskRef, instance: string, what: string): TaskLogLine {
  const fields: TaskLogFields = {
    taskId: printable(task.id),
    ...(task.name === undefined ? {} : { taskName: printable(task.name, 100) }),
    ...(task.attempt === undefined ? {} : { attempt: task.attempt }),
    fencingToken: task.token,
    instance: printable(instance),
  };
  const about = [
    fields.taskName,
    fields.attempt === undefined ? undefined : `attempt ${fields.attempt}`,
    `token ${fields.fencingToken}`,
    `instance ${fields.instance}`,
  ].filter((part) => part !== undefined);
  return new TaskLogLine(`Task ${fields.taskId} (${about.join(', ')}) ${what}`, fields);
}
