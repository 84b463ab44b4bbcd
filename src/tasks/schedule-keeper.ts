import type { LoggerService } from '@nestjs/common';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { Claim, RunOutcome, StartedRun } from '../domain/claim';
import { decodeRecord } from '../domain/task-record';
import type { TaskSpec } from '../domain/task-spec';
import type { EngineEvents } from '../events/engine-events';
import type { OutageLog } from '../logging/outage-log';
import { taskLine, type TaskRef } from '../logging/task-log-line';
import { acceptItem } from '../store/accept-item';
import type { StartResult, TaskStore } from '../store/task-store';
import { occurrenceTask, scheduleStep, verdictAtStart } from './occurrence-decisions';
import type { Run } from './run';

/** What the keeper needs of the runner it works for. */
export interface KeeperHost {
  readonly options: DelayTaskOptions;
  readonly store: Pick<TaskStore, 'acceptTasks'>;
  readonly events: EngineEvents;
  readonly logger: LoggerService;
  /** Where Redis trouble while handing an occurrence off is logged (the runner's start outage). */
  readonly outage: OutageLog;
  write(outcome: RunOutcome): void;
  enqueue(claims: readonly Claim[]): void;
  giveBack(started: StartedRun): void;
}

/**
 * The schedule side of running occurrences: whether a confirmed occurrence runs here at all
 * (missed by its CatchUp rule, expired by MaxLateness, handed off to a task of its own with
 * `Overlap: "allowAll"`), and the next step of a periodic task's schedule with every outcome.
 */
export class ScheduleKeeper {
  /** Occurrences of allowAll schedules being stored as tasks of their own (see handOff). */
  private readonly handOffs = new Set<Promise<void>>();

  constructor(private readonly host: KeeperHost) {}

  /**
   * Deals with an occurrence that is not to run as a handler here now (`startMs`, Redis time):
   * true when it took it.
   */
  tookOver(started: StartedRun, spec: TaskSpec, startMs: number): boolean {
    const verdict = verdictAtStart(spec, started, startMs);
    if (verdict.kind === 'missed') this.recordMissed(started, spec, startMs);
    else if (verdict.kind === 'expired') this.recordExpired(started, spec, startMs, verdict.lateMs);
    else if (spec.overlap === 'allowAll') this.handOff(started, spec, startMs);
    else return false;
    return true;
  }

  /** A periodic task's run that ended carries its schedule's next step, computed here. */
  withSchedule(run: Run, outcome: RunOutcome, endMs: number): RunOutcome {
    if (outcome.outcome === 'abandoned' || outcome.outcome === 'unstarted') return outcome;
    const { dueMs } = run.started;
    const schedule = scheduleStep(run.spec, { dueMs, startMs: run.startMs, endMs });
    if (!schedule) return outcome;
    this.host.events.occurrencesSkipped(run.name, 'missed', schedule.missed);
    return { ...outcome, schedule };
  }

  /**
   * An occurrence whose runs were lost too often (startRuns would not start it again) ends as
   * stalled; a periodic task moves on to its next occurrence.
   */
  endStalled({ claim, lost, record }: StartResult['stalled'][number], nowMs: number): void {
    const spec = decodeRecord(record);
    const { id, token, dueMs } = claim;
    const error =
      `its run was lost ${lost} time(s): the instance running it died, stalled past its lease or ` +
      `gave it up; not started again (DELAYTASK_MAX_STALLS=${this.host.options.maxStalls})`;
    const schedule = scheduleStep(spec, { dueMs, startMs: nowMs, endMs: nowMs });
    this.host.write({ id, token, outcome: 'stalled', error, attempt: lost, schedule });
    if (spec) this.host.events.occurrencesSkipped(spec.name, 'missed', schedule?.missed ?? 0);
    this.host.logger.error(
      this.line(
        { ...claim, name: spec?.name ?? '?' },
        `was not started again: its runs were lost ${lost} time(s) ` +
          '(instances died, stalled past the lease or gave it up); recorded as failed',
      ),
    );
  }

  /** Resolves once every occurrence being handed off is stored and its outcome written. */
  async drain(): Promise<void> {
    await Promise.all(this.handOffs);
  }

  private recordMissed(started: StartedRun, spec: TaskSpec, startMs: number): void {
    const { id, token, attempt, dueMs } = started;
    const schedule = scheduleStep(spec, { dueMs, startMs, endMs: startMs }, true);
    this.host.write({ id, token, outcome: 'missed', schedule });
    this.host.events.occurrencesSkipped(spec.name, 'missed', schedule?.missed ?? 0);
    this.host.logger.log(
      this.line(
        { id, token, attempt, name: spec.name },
        'not run: its CatchUp rule skips an occurrence this late',
      ),
    );
  }

  private recordExpired(started: StartedRun, spec: TaskSpec, startMs: number, lateMs: number) {
    const { id, token, attempt, dueMs } = started;
    const error =
      `not run: it would have started ${lateMs} ms late, more than its MaxLateness ` +
      `of ${spec.maxLatenessMs} ms`;
    const schedule = scheduleStep(spec, { dueMs, startMs, endMs: startMs });
    this.host.write({ id, token, outcome: 'expired', error, attempt, schedule });
    this.host.events.occurrencesSkipped(spec.name, 'expired', 1);
    this.host.events.occurrencesSkipped(spec.name, 'missed', schedule?.missed ?? 0);
    this.host.logger.warn(this.line({ id, token, attempt, name: spec.name }, error));
  }

  /**
   * An occurrence of an `Overlap: "allowAll"` schedule runs as a once task of its own (see
   * `occurrenceTask`), claimed here, so that it may run beside the others; the schedule moves on
   * at once. Stored before the occurrence is recorded: a crash in between hands it off again,
   * which stores nothing new. When Redis does not take it, the occurrence goes back to due.
   */
  private handOff(started: StartedRun, spec: TaskSpec, startMs: number): void {
    const handing = this.storeOccurrenceTask(started, spec, startMs);
    this.handOffs.add(handing);
    void handing.finally(() => this.handOffs.delete(handing));
  }

  private async storeOccurrenceTask(started: StartedRun, spec: TaskSpec, startMs: number) {
    const { id, token, dueMs } = started;
    const task = occurrenceTask(spec, dueMs);
    const { instanceId, windowMs, leaseMs } = this.host.options;
    try {
      const item = acceptItem(task, started.plannedMs);
      const { results } = await this.host.store.acceptTasks(instanceId, windowMs, leaseMs, [item]);
      const claimed = results[0]?.token;
      if (claimed !== undefined) this.host.enqueue([{ id: task.id, dueMs, token: claimed }]);
      const schedule = scheduleStep(spec, { dueMs, startMs, endMs: startMs });
      this.host.write({ id, token, outcome: 'ok', schedule });
    } catch (error) {
      this.host.outage.failed(error);
      this.host.giveBack(started);
    }
  }

  private line(task: TaskRef, what: string) {
    return taskLine(task, this.host.options.instanceId, what);
  }
}
