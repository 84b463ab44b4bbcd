import type { AcceptStatus } from '../store/task-store';

/** How a submission was taken, as operators read it. */
export type ScheduleStatus = Exclude<AcceptStatus, 'replayed'>;

/** The answer to a scheduled task (the admin API's and the CLI's). */
export interface ScheduledTask {
  id: string;
  status: ScheduleStatus;
}

/**
 * A stale replay (content the ID held and left) is ignored exactly as a duplicate is: the sender
 * needs no other word for it, and the replay window stays an internal safeguard.
 */
export function scheduledTask(id: string, status: AcceptStatus): ScheduledTask {
  return { id, status: status === 'replayed' ? 'duplicate' : status };
}
