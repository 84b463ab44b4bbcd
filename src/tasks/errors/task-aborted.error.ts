import type { AbortKind } from '../../domain/claim';

export type { AbortKind };

const WHY: Readonly<Record<AbortKind, string>> = {
  timeout: 'timed out',
  'lease-expired':
    'could not renew its lease in time (Redis unreachable, or this process stalled), so another ' +
    'instance may take it over',
  'taken-over': 'lost its lease: it lapsed and another instance took the task over',
  rescheduled: 'was rescheduled with new content',
  removed: 'was removed',
  cancelled: 'was cancelled',
  shutdown: 'was stopped: the service is shutting down and its grace period is over',
};

/**
 * The reason a handler's `ctx.signal` carries when the engine stops its run. `kind` says why; a
 * handler should stop at once, since for every kind but `timeout` the task is, or may soon be,
 * run elsewhere.
 */
export class TaskAbortedError extends Error {
  override readonly name = 'TaskAbortedError';

  constructor(
    readonly taskId: string,
    readonly kind: AbortKind,
    detail?: string,
  ) {
    super(`task ${taskId} ${WHY[kind]}${detail === undefined ? '' : ` ${detail}`}`);
  }
}
