import { Logger } from '@nestjs/common';
import { readFields } from '../ingest/parse/message-fields';
import type { ScheduleAnswer } from '../ingest/task-ingest.service';
import type { IncomingTaskMessage } from '../ingest/task-message.deserializer';
import { printable } from '../logging/printable';
import { cronRecurrence } from '../schedules/cron-recurrence';
import type { AcceptStatus } from '../store/task-store';
import type { TaskTypeOptions } from '../tasks/delay-task.decorator';
import type { TaskType } from '../tasks/task-registry';

/**
 * Schedules declared in code (`@DelayTask(name, { cron, ... })`), made tasks at boot.
 *
 * Each declaration becomes the message a producer would send for it, under a fixed ID
 * (`schedule:<name>` unless `scheduleId` says otherwise), and goes through
 * `TaskIngestService.schedule`: the same checks as any sent task, the same store script. No
 * leader is needed: every instance submits the same ID with the same content, and the store
 * applies a submission once, so three instances restarted ten times leave one task, and its
 * occurrences run once each as any periodic task's do. The message therefore holds only what the
 * declaration says, never something of the moment it is sent (no ToRunAfter, no ToRunAt: a cron
 * task without one stores no start), so that its stored record is byte-identical across restarts;
 * a changed declaration is other content under the same ID, and replaces the schedule.
 *
 * Removing a declaration does not remove its task (the store cannot tell a removed declaration
 * from an instance that still runs older code): cancel it (admin API or CLI).
 */

/** A task type's declared schedule: the message sent for it. */
export interface DeclaredSchedule {
  /** The task type (the message's `Name`). */
  readonly name: string;
  /** The schedule's task ID (`ID`). */
  readonly id: string;
  /** The message, as a producer would publish it; absent options are absent fields. */
  readonly message: Readonly<Record<string, unknown>>;
}

/**
 * What became of a declared schedule at boot:
 * - `created`: no task had the ID: the schedule is stored (`stored`).
 * - `unchanged`: the task holds this content already: nothing happens (`duplicate`). Its state is
 *   kept too: an operator's cancel of it holds until the declaration changes.
 * - `updated`: the task held other content (an earlier declaration): it is replaced and starts
 *   again from the cron's next point; a run of the old content that has started is superseded
 *   (`rescheduled`).
 * - `ended`: this content already ran to its EndTime (`completed`, kept for the completed
 *   retention), or ingest refused it because its EndTime has passed or leaves no occurrence:
 *   nothing is stored, nothing runs.
 * - `notApplied`: the task held this content and was given other content less than the replay
 *   window ago (`replayed`): usually another instance, running newer code in a rolling deploy,
 *   declared the schedule differently. Its content is kept; this instance's is not applied.
 */
export type DeclaredOutcome = 'created' | 'unchanged' | 'updated' | 'ended' | 'notApplied';

export interface DeclaredResult {
  readonly schedule: DeclaredSchedule;
  readonly outcome: DeclaredOutcome;
}

/** What `declareSchedules` needs of the registry and of ingest. */
export interface DeclaringParts {
  readonly registry: {
    names(): string[];
    get(name: string): TaskType | undefined;
  };
  readonly ingest: { schedule(message: IncomingTaskMessage): Promise<ScheduleAnswer> };
  /** Unix ms, for telling a schedule that has ended from a faulty one. */
  readonly nowMs?: () => number;
}

/**
 * A declaration ingest refuses, or that cannot be sent at all. The boot fails: a declaration is
 * code, and a fault in it is a programming error, like an invalid module option; an app that
 * started without the schedule it declares would look healthy while its job never runs. (A
 * declaration whose EndTime has passed is no fault: it has ended, and the app starts.)
 */
export class InvalidScheduleDeclarationError extends Error {
  constructor(readonly faults: readonly string[]) {
    super(
      `${faults.length} declared schedule(s) refused, fix the @DelayTask options: ` +
        faults.join('; '),
    );
    this.name = 'InvalidScheduleDeclarationError';
  }
}

const OUTCOMES: Readonly<Record<AcceptStatus, DeclaredOutcome>> = {
  stored: 'created',
  duplicate: 'unchanged',
  rescheduled: 'updated',
  completed: 'ended',
  replayed: 'notApplied',
};

const logger = new Logger('DeclaredSchedules');

/**
 * Submits every declared schedule, logs one line for each, and answers what became of them.
 * Rejects with an `InvalidScheduleDeclarationError` naming every declaration ingest refused (all
 * the others are submitted first), or with the store's error when Redis does not take them.
 */
export async function declareSchedules(parts: DeclaringParts): Promise<DeclaredResult[]> {
  const { schedules, faults } = declaredSchedules(parts.registry);
  const results: DeclaredResult[] = [];
  for (const schedule of schedules) {
    const text = JSON.stringify(schedule.message);
    // Parsed back from its text, as a published message is: what ingest sees is JSON, whatever
    // the declaration held (a Date in the payload is its ISO text, an undefined field absent).
    const body: unknown = JSON.parse(text);
    const answer = await parts.ingest.schedule({ format: 'seed', body, text });
    if (!answer.accepted) {
      if (hasEnded(schedule, (parts.nowMs ?? Date.now)())) {
        logger.log(`${label(schedule)} — ended (${printable(answer.reason)}): not declared`);
        results.push({ schedule, outcome: 'ended' });
      } else {
        const fault = `${label(schedule)} refused: ${printable(answer.reason)}`;
        logger.error(fault);
        faults.push(fault);
      }
      continue;
    }
    const outcome = OUTCOMES[answer.status];
    if (outcome === 'notApplied') {
      logger.warn(
        `${label(schedule)} — not applied: the task was given other content within the replay ` +
          'window (an instance with another version of this declaration?); that content is kept',
      );
    } else {
      logger.log(`${label(schedule)} — ${outcome}`);
    }
    results.push({ schedule, outcome });
  }
  if (faults.length > 0) throw new InvalidScheduleDeclarationError(faults);
  return results;
}

/**
 * The declared schedules of the registry's task types (those with `cron`), in registration
 * order, and the faults of those that cannot be sent: a payload key that a message reads as a task
 * field, or an ID declared twice. Each fault is logged at once.
 */
export function declaredSchedules(registry: DeclaringParts['registry']): {
  schedules: DeclaredSchedule[];
  faults: string[];
} {
  const schedules: DeclaredSchedule[] = [];
  const faults: string[] = [];
  const owners = new Map<string, string>();
  for (const name of registry.names()) {
    const options = registry.get(name)?.options;
    if (options?.cron === undefined) continue;
    const schedule = declaredSchedule(name, options);
    const fault = payloadFault(options) ?? idFault(schedule, owners);
    if (fault !== undefined) {
      const line = `${label(schedule)} refused: ${fault}`;
      logger.error(line);
      faults.push(line);
      continue;
    }
    owners.set(schedule.id, name);
    schedules.push(schedule);
  }
  return { schedules, faults };
}

/**
 * The message for one task type's declared schedule (which has `cron`): its fields in the wire
 * format's units (seconds; EndTime as ISO-8601 text, exact to the millisecond), only those the
 * declaration gives, then the payload.
 */
export function declaredSchedule(name: string, options: TaskTypeOptions): DeclaredSchedule {
  const id = options.scheduleId ?? `schedule:${name}`;
  const { endTime } = options;
  const fields: Record<string, unknown> = {
    Name: name,
    ID: id,
    Cron: options.cron,
    TimeZone: options.timeZone,
    DstRepeated: options.dstRepeated,
    DstSkipped: options.dstSkipped,
    EndTime: endTime === undefined ? undefined : isoTime(endTime),
    CatchUp: options.catchUp,
    CatchUpMax: options.catchUpMax,
    Overlap: options.overlap,
    Jitter: seconds(options.jitterMs),
    MaxLateness: seconds(options.maxLatenessMs),
  };
  const message: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) message[key] = value;
  // Checked by `payloadFault` not to hold a task field: here it could overwrite one.
  Object.assign(message, options.schedulePayload);
  return { name, id, message };
}

/** `Schedule NightlyReport (schedule:NightlyReport): 0 2 * * * Europe/Berlin`. */
function label({ name, id, message }: DeclaredSchedule): string {
  const zone = typeof message.TimeZone === 'string' ? message.TimeZone : 'UTC';
  const cron = printable(String(message.Cron));
  return `Schedule ${printable(name)} (${printable(id)}): ${cron} ${printable(zone)}`;
}

/** A payload key that a message reads as one of the task's fields (in any case), or none. */
function payloadFault({ schedulePayload }: TaskTypeOptions): string | undefined {
  for (const key of Object.keys(schedulePayload ?? {})) {
    // Ingest's own reading decides: a key it does not keep in the payload is a task field.
    if (!Object.prototype.hasOwnProperty.call(readFields({ [key]: true }).payload, key)) {
      return (
        `schedulePayload key ${JSON.stringify(key)} is a task field, not a payload field; ` +
        'set it with its @DelayTask option'
      );
    }
  }
  return undefined;
}

function idFault(
  schedule: DeclaredSchedule,
  owners: ReadonlyMap<string, string>,
): string | undefined {
  const owner = owners.get(schedule.id);
  if (owner === undefined) return undefined;
  return (
    `its ID is also the ID of the schedule of ${printable(owner)}; ` +
    'give each its own scheduleId'
  );
}

/**
 * Whether a refused declaration has simply ended: its EndTime is past, or comes before the cron's
 * next point. Such a declaration is no programming error (it was valid until then) and must not
 * stop the app from starting. By this host's clock: near the end, ingest (by Redis's clock) and
 * this may disagree for as long as the clocks do.
 */
function hasEnded({ message }: DeclaredSchedule, nowMs: number): boolean {
  if (typeof message.EndTime !== 'string' || typeof message.Cron !== 'string') return false;
  const endTimeMs = Date.parse(message.EndTime);
  if (endTimeMs < nowMs) return true;
  const recurrence = cronRecurrence({
    cron: message.Cron.trim().replace(/\s+/g, ' '),
    timeZone: typeof message.TimeZone === 'string' ? message.TimeZone : 'UTC',
    dstRepeated:
      message.DstRepeated === 'last' || message.DstRepeated === 'both'
        ? message.DstRepeated
        : 'first',
    dstSkipped: message.DstSkipped === 'skip' ? 'skip' : 'shift',
  });
  if ('invalid' in recurrence) return false;
  const next = recurrence.firstAfter(nowMs - 1);
  return next === undefined || next > endTimeMs;
}

/** Whole milliseconds as seconds; ingest reads the number's digits back as the same ms. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** ISO-8601 text, or unix seconds when `Date` cannot show the time (ingest then says why). */
function isoTime(time: Date | number): string | number {
  const ms = time instanceof Date ? time.getTime() : time;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? ms / 1000 : date.toISOString();
}
