import type { TaskState } from '../../store/operations-store';

/** Every state once: the compiler refuses this table when TaskState gains or loses one. */
const STATES: Readonly<Record<TaskState, true>> = {
  pending: true,
  running: true,
  failed: true,
  cancelled: true,
  done: true,
};

export const TASK_STATES = Object.keys(STATES) as TaskState[];
