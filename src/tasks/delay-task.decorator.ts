import type { Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import type { ScheduleSettings } from '../domain/schedule-types';

/** What a task type may set for all its tasks (a task's own fields win). */
export interface TaskTypeOptions extends ScheduleSettings {
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

  // The schedule this type declares: with `cron`, the engine creates (or updates) one periodic task
  // of this type at every boot, as a producer would send it with the fields named below, so it is
  // checked exactly as a sent task is. Every instance does so without a leader: the task has a
  // fixed ID and content, so an unchanged declaration is a duplicate (nothing happens) and a
  // changed one replaces the schedule. Producers may still send tasks of this type; they run once
  // each, as before. Without `cron` (ScheduleSettings: a cron that ingest refuses fails the boot,
  // see declared-schedules.ts), none of its other settings nor the options below may be given.

  /** Last allowed occurrence (`EndTime`): a Date, or unix ms; default no end. */
  readonly endTime?: Date | number;
  /**
   * The fields the declared schedule's tasks carry (their payload, checked by `payload` when it is
   * set); default none. Part of the stored content: change it and the schedule is replaced. Keys
   * that a message reads as task fields (`Name`, `ID`, `Interval`, … in any case) are refused.
   */
  readonly schedulePayload?: Record<string, unknown>;
  /**
   * The ID of the declared schedule's task; default `schedule:<name>`. Keep it stable: a new ID
   * creates a second schedule and leaves the old one running.
   */
  readonly scheduleId?: string;
}

/** The options that belong to a declared schedule: given without `cron`, they would do nothing. */
const SCHEDULE_OPTIONS = [
  'timeZone',
  'dstRepeated',
  'dstSkipped',
  'catchUp',
  'catchUpMax',
  'overlap',
  'jitterMs',
  'maxLatenessMs',
  'endTime',
  'schedulePayload',
  'scheduleId',
] as const satisfies readonly (keyof TaskTypeOptions)[];

/**
 * Why a task type's schedule options make no sense, or undefined. Only what TypeScript cannot
 * catch (or a JavaScript caller might get wrong) and what ingest would not refuse: the values
 * themselves (a cron's syntax, a time zone, ranges) are checked by ingest when the schedule is
 * declared at boot, as a sent task's are.
 */
export function scheduleOptionsFault(options: TaskTypeOptions): string | undefined {
  if (options.cron === undefined) {
    const stray = SCHEDULE_OPTIONS.find((key) => options[key] !== undefined);
    return stray && `${stray} is given without cron: it belongs to a declared schedule`;
  }
  if (typeof options.cron !== 'string') return 'cron must be a string';
  for (const key of ['jitterMs', 'maxLatenessMs', 'catchUpMax'] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      return `${key} must be a finite number`;
    }
  }
  const { endTime, schedulePayload, scheduleId } = options;
  if (
    endTime !== undefined &&
    !Number.isFinite(endTime instanceof Date ? endTime.getTime() : endTime)
  ) {
    return 'endTime must be a valid Date or a finite number of unix milliseconds';
  }
  if (
    schedulePayload !== undefined &&
    (typeof schedulePayload !== 'object' ||
      schedulePayload === null ||
      Array.isArray(schedulePayload))
  ) {
    return 'schedulePayload must be an object';
  }
  if (scheduleId !== undefined && typeof scheduleId !== 'string')
    return 'scheduleId must be a string';
  return undefined;
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
 *
 * @example
 * // Also declares its schedule: one task, `schedule:NightlyReport`, daily at 02:00 Berlin time.
 * @DelayTask('NightlyReport', { cron: '0 2 * * *', timeZone: 'Europe/Berlin' })
 * @Injectable()
 * export class NightlyReportTask extends DelayTaskHandler { ... }
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
