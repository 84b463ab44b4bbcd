import type { Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';

/** What a task type may set for all its tasks (a task's own fields win). */
export interface TaskTypeOptions {
  /** Attempts after a failed first one (a task's `Retries` wins); default 0. */
  readonly retries?: number;
  /** Wait before the first retry, doubling with each (a task's `RetryDelay` wins); default 1 s. */
  readonly retryDelayMs?: number;
  /** Longest wait between retries; default 1 h. */
  readonly retryMaxDelayMs?: number;
  /**
   * The class of the task's own fields (its payload), with class-validator rules: a message whose
   * payload breaks them is rejected at ingest (dead-lettered with the rules' messages), and `run()`
   * gets the payload as an instance of it. Fields are matched by their exact name, and those it has
   * no rule for are kept, never stripped. Without a class, any payload is accepted and handed on as
   * is.
   */
  readonly payload?: Type<object>;
}

/** What `@DelayTask` stores on a handler class. */
export interface DelayTaskMetadata {
  /** The message's `Name` this handler runs. */
  readonly name: string;
  readonly options: TaskTypeOptions;
}

/** The metadata key `TaskRegistry` finds handlers by (DiscoveryService indexes providers by it). */
export const DelayTaskHandlerMetadata = DiscoveryService.createDecorator<DelayTaskMetadata>();

/**
 * Marks an injectable `DelayTaskHandler` as the runner of tasks named `name` (the message's `Name`),
 * with the task type's defaults. It only stores metadata; `TaskRegistry` finds the class at
 * bootstrap.
 *
 * @example
 * @DelayTask('SendReminder', { retries: 3, retryDelayMs: 2000, payload: Reminder })
 * @Injectable()
 * export class SendReminderTask extends DelayTaskHandler<Reminder> { ... }
 */
export function DelayTask(name: string, options: TaskTypeOptions = {}): ClassDecorator {
  return DelayTaskHandlerMetadata({ name, options });
}

/**
 * A payload as an instance of its task type's payload class (class-transformer's defaults). Ingest
 * validates what this makes and the runner hands what it makes to `run()`: one way for both, so
 * that a handler gets exactly what was checked.
 */
export function payloadInstance(
  payloadClass: Type<object>,
  payload: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  // Typed as a record, as `TaskSpec.payload` is: any object reads as fields of unknown type.
  return plainToInstance(payloadClass, payload) as Readonly<Record<string, unknown>>;
}
