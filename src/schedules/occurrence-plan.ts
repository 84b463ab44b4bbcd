import type {
  CatchUp,
  OccurrencePolicies,
  Overlap,
  PointsIn,
  Recurrence,
} from '../domain/schedule-types';

/**
 * The one place that decides, at run time, which occurrences of a task run and which are missed.
 * Pure: every instant is the Redis clock's, passed in.
 *
 * Two moments decide:
 *   - just before an occurrence starts (`startVerdict`): it may have expired (MaxLateness), or,
 *     after an outage, be superseded by later ones (CatchUp);
 *   - when it ends (`nextOccurrence`): which occurrence runs next, given those that fell due
 *     before it started (A: an outage or a backlog, ruled by CatchUp) and while it ran (B: ruled
 *     by Overlap).
 * Points after the task's EndTime are not occurrences: they are neither run nor counted missed.
 */

export const DEFAULT_POLICIES: OccurrencePolicies = {
  catchUp: 'one',
  catchUpMax: 10,
  overlap: 'skip',
};

/** The policies of a task, defaults filled in. */
export function policiesOf(spec: {
  catchUp?: CatchUp;
  catchUpMax?: number;
  overlap?: Overlap;
}): OccurrencePolicies {
  return {
    catchUp: spec.catchUp ?? DEFAULT_POLICIES.catchUp,
    catchUpMax: spec.catchUpMax ?? DEFAULT_POLICIES.catchUpMax,
    overlap: spec.overlap ?? DEFAULT_POLICIES.overlap,
  };
}

export type StartVerdict =
  | { kind: 'run' }
  | { kind: 'expired'; lateMs: number }
  | { kind: 'missed' };

/**
 * Whether the occurrence due at `dueMs` runs when it would start at `startMs`. `recurrence` is
 * undefined for a once task, which can only expire.
 *   - expired: started more than `maxLatenessMs` after its due time.
 *   - missed, catchUp 'skip': a later occurrence has fallen due too; only the latest would run.
 *   - missed, catchUp 'all': at least `catchUpMax` later ones have fallen due; it is older than
 *     the latest `catchUpMax`, the ones that are run.
 *   - run otherwise; with catchUp 'one' the due one always runs, however late.
 */
export function startVerdict(
  recurrence: Recurrence | undefined,
  policies: OccurrencePolicies,
  at: { dueMs: number; startMs: number },
  maxLatenessMs: number | undefined,
): StartVerdict {
  const lateMs = at.startMs - at.dueMs;
  if (maxLatenessMs !== undefined && lateMs > maxLatenessMs) return { kind: 'expired', lateMs };
  if (recurrence === undefined) return { kind: 'run' };
  if (policies.catchUp === 'skip') {
    const later = recurrence.firstAfter(at.dueMs);
    if (later !== undefined && later <= at.startMs) return { kind: 'missed' };
  }
  if (policies.catchUp === 'all') {
    const later = recurrence.pointsIn(at.dueMs, at.startMs, 0);
    if (later.count >= catchUpCap(policies)) return { kind: 'missed' };
  }
  return { kind: 'run' };
}

export interface NextOccurrence {
  /** The occurrence to run next; undefined when the schedule is over (past EndTime). */
  readonly nextMs: number | undefined;
  /** Occurrences in (dueMs, endMs] that will never run (the due one itself is not counted). */
  readonly missed: number;
  /** False when counting stopped at the recurrence's limit: `missed` is then a lower bound. */
  readonly missedIsExact: boolean;
}

/**
 * What follows the occurrence due at `dueMs` that started at `startMs` and ended at `endMs` (an
 * occurrence that did not run, missed or expired, passes endMs = startMs).
 *   - A = the points in (dueMs, startMs], due before it started: kept with catchUp 'all', else
 *     missed.
 *   - B = the points in (startMs, endMs], due while it ran: overlap 'bufferOne' keeps the latest,
 *     'skip' none. ('allowAll' has no B: such an occurrence is handed off to a task of its own as
 *     it starts, and the schedule moves on at once, with endMs = startMs.)
 *   - With catchUp 'all' at most the latest `catchUpMax` of the kept ones stay kept.
 * The next is the oldest kept one, which runs at once, else the first point after `endMs`. The
 * points before the next are missed; those after it are not decided yet: when the next starts
 * they are its A, and the rules above apply to them again (so none is both missed and run).
 */
export function nextOccurrence(
  recurrence: Recurrence,
  policies: OccurrencePolicies,
  at: { dueMs: number; startMs: number; endMs: number },
  endTimeMs: number | undefined,
): NextOccurrence {
  const last = endTimeMs ?? Infinity;
  const keepAll = policies.catchUp === 'all';
  const cap = keepAll ? catchUpCap(policies) : Infinity;

  // B first: its kept point is later than A's, so it takes the catch-up cap first.
  const b =
    policies.overlap === 'bufferOne'
      ? pointsBetween(recurrence, at.startMs, Math.min(at.endMs, last), 1)
      : NONE;
  const bKept = Math.min(b.count, 1);
  const oldestB = bKept > 0 ? b.latest[b.latest.length - 1] : undefined;

  const aRoom = keepAll ? cap - bKept : 0;
  const a =
    aRoom > 0 ? pointsBetween(recurrence, at.dueMs, Math.min(at.startMs, last), aRoom) : NONE;
  const aKept = Math.min(a.count, aRoom);
  const oldestKept = aKept > 0 ? a.latest[a.latest.length - aKept] : oldestB;

  let nextMs = oldestKept ?? recurrence.firstAfter(Math.max(at.endMs, at.dueMs));
  if (nextMs !== undefined && nextMs > last) nextMs = undefined;
  // Missed: the points before the next that will never run. Those after it are not decided here:
  // when a kept one runs next, the later ones are its backlog, judged again when it starts.
  const before = nextMs === undefined ? Math.min(at.endMs, last) : nextMs - 1;
  const skipped = pointsBetween(recurrence, at.dueMs, before, 0);
  const missed = skipped.count;
  const missedIsExact = skipped.countIsExact;
  return { nextMs, missed, missedIsExact };
}

/** At least one: a cap of 0 would miss even the occurrences that are on time. */
function catchUpCap(policies: OccurrencePolicies): number {
  return Math.max(1, policies.catchUpMax);
}

const NONE: PointsIn = { count: 0, countIsExact: true, latest: [] };

function pointsBetween(
  recurrence: Recurrence,
  afterMs: number,
  atOrBeforeMs: number,
  keep: number,
): PointsIn {
  if (atOrBeforeMs <= afterMs) return NONE;
  return recurrence.pointsIn(afterMs, atOrBeforeMs, Math.max(0, Math.min(keep, 100_000)));
}
