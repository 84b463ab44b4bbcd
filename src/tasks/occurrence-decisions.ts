import type { ScheduleStep, StartedRun } from '../domain/claim';
import type { TaskSpec } from '../domain/task-spec';
import {
  nextOccurrence,
  policiesOf,
  startVerdict,
  type StartVerdict,
} from '../schedules/occurrence-plan';
import { recurrenceOf } from '../schedules/recurrence-of';

/**
 * Whether an occurrence the store confirmed is to run now (`startMs`, Redis time): it may have
 * expired (MaxLateness, judged from when it was to start, Jitter included) or been missed (its
 * CatchUp rule).
 */
export function verdictAtStart(spec: TaskSpec, run: StartedRun, startMs: number): StartVerdict {
  const recurrence = recurrenceOf(spec, run.dueMs);
  // Most runs are once tasks without MaxLateness: nothing to judge, nothing made per run.
  if (!recurrence && spec.maxLatenessMs === undefined) return RUN;
  const policies = policiesOf(spec);
  const late = { dueMs: run.plannedMs, startMs };
  const expiry = startVerdict(undefined, policies, late, spec.maxLatenessMs);
  if (expiry.kind !== 'run' || !recurrence) return expiry;
  return startVerdict(recurrence, policies, { dueMs: run.dueMs, startMs }, undefined);
}

const RUN: StartVerdict = { kind: 'run' };

/**
 * The schedule's next step as the occurrence due at `dueMs` ends (`endMs`; it started at
 * `startMs`, or did not run and `startMs === endMs`); undefined for a once task. `itselfMissed`:
 * the occurrence did not run by its rules, so it counts as missed too.
 */
export function scheduleStep(
  spec: TaskSpec | undefined,
  at: { dueMs: number; startMs: number; endMs: number },
  itselfMissed = false,
): ScheduleStep | undefined {
  if (!spec) return undefined;
  const recurrence = recurrenceOf(spec, at.dueMs);
  if (!recurrence) return undefined;
  const { nextMs, missed } = nextOccurrence(recurrence, policiesOf(spec), at, spec.endTimeMs);
  const step: ScheduleStep = { missed: missed + (itselfMissed ? 1 : 0) };
  if (nextMs !== undefined) step.nextMs = nextMs;
  return step;
}

/**
 * The once task an occurrence of an `Overlap: "allowAll"` schedule becomes, so that it runs beside
 * the occurrences before and after it (each under a lease of its own). Its ID names the schedule
 * and the occurrence, so that handing the same occurrence off twice (after a crash) stores it once.
 */
export function occurrenceTask(spec: TaskSpec, dueMs: number): TaskSpec {
  const { id, name, timeoutMs, maxLatenessMs, retries, retryDelayMs, payload } = spec;
  const task: { -readonly [K in keyof TaskSpec]: TaskSpec[K] } = {
    id: `${id}@${dueMs}`,
    name,
    toRunAtMs: dueMs,
    payload,
  };
  if (timeoutMs !== undefined) task.timeoutMs = timeoutMs;
  if (maxLatenessMs !== undefined) task.maxLatenessMs = maxLatenessMs;
  if (retries !== undefined) task.retries = retries;
  if (retryDelayMs !== undefined) task.retryDelayMs = retryDelayMs;
  // Key order as ingest writes it (TaskSpec's), so that the stored text is the same every time;
  // the schedule's payload was checked with it, so the occurrence keeps the mark.
  const { payload: last, ...rest } = task;
  return spec.payloadChecked
    ? { ...rest, payload: last, payloadChecked: true }
    : { ...rest, payload: last };
}
