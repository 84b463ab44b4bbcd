import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { acceptItem } from '../store/accept-item';
import { parseTask } from '../ingest/parse-task';
import { readTaskMessage } from '../ingest/task-message.deserializer';
import type { TaskStore } from '../store/task-store';
import { scheduledTask, type ScheduledTask } from './scheduled-task';

export type OutsideScheduleAnswer =
  | { accepted: true; task: ScheduledTask; name: string; namesChecked: boolean }
  | { accepted: false; reason: string };

type OutsideOptions = Pick<
  DelayTaskOptions,
  'maxMessageBytes' | 'maxPastMs' | 'maxFutureMs' | 'minIntervalMs' | 'maxTimeoutMs' | 'leaseMs'
>;

/** The claim owner a task stored from outside the engine would name; nothing is ever claimed. */
const NO_OWNER = 'outside';

/**
 * A task text, from outside the engine (the CLI, a Nest client's `send`), checked as ingest checks
 * a channel message (the same reading, rules and Redis clock) and stored by the same script. It is
 * never claimed here: the instances claim it from Redis when it falls due. `Name` is checked
 * against the names the instances have registered (`{prefix}taskTypes`) once any has; payload
 * classes live in the instances, which check a payload before its handler runs.
 */
export async function scheduleOutside(
  store: Pick<TaskStore, 'redisTime' | 'taskTypes' | 'acceptTasks'>,
  options: OutsideOptions,
  text: string,
): Promise<OutsideScheduleAnswer> {
  const [nowMs, names] = await Promise.all([store.redisTime(), store.taskTypes()]);
  const known = new Set(names);
  const result = parseTask(readTaskMessage(text, options.maxMessageBytes), {
    nowMs,
    taskType: (name) => (known.size === 0 || known.has(name) ? {} : undefined),
    maxPastMs: options.maxPastMs,
    maxFutureMs: options.maxFutureMs,
    minIntervalMs: options.minIntervalMs,
    maxTimeoutMs: options.maxTimeoutMs,
  });
  if (!result.ok) return { accepted: false, reason: result.reason };
  const item = acceptItem(result.spec, result.dueMs);
  const { results } = await store.acceptTasks(NO_OWNER, null, options.leaseMs, [item]);
  return {
    accepted: true,
    task: scheduledTask(item.id, results[0].status),
    name: result.spec.name,
    namesChecked: known.size > 0,
  };
}
