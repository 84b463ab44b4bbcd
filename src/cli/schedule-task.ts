import { parseTask } from '../ingest/parse-task';
import { readTaskMessage } from '../ingest/task-message.deserializer';
import { acceptItem } from '../ingest/accept-item';
import { scheduledTask, type ScheduledTask } from '../operations/scheduled-task';
import type { Session } from './session';

export type ScheduleOutcome =
  | { accepted: true; task: ScheduledTask; name: string }
  | { accepted: false; reason: string };

/**
 * A task text checked as ingest checks a channel message (the same reading, rules and Redis
 * clock) and stored by the same script. Two things differ, since no instance is involved: the
 * task is never claimed here (the instances claim it from Redis when it falls due), and any
 * `Name` is taken with any payload, since only the instances know which handlers they register
 * and the payload classes those declare.
 */
export async function scheduleTask(session: Session, text: string): Promise<ScheduleOutcome> {
  const { options, tasks } = session;
  const result = parseTask(readTaskMessage(text, options.maxMessageBytes), {
    nowMs: await tasks.redisTime(),
    // Any name, and no payload class to check the payload by: those live in the instances.
    taskType: () => ({}),
    maxPastMs: options.maxPastMs,
    maxFutureMs: options.maxFutureMs,
    minIntervalMs: options.minIntervalMs,
    maxTimeoutMs: options.maxTimeoutMs,
  });
  if (!result.ok) return { accepted: false, reason: result.reason };
  const item = acceptItem(result.spec, result.dueMs);
  const { results } = await tasks.acceptTasks(options.instanceId, null, options.leaseMs, [item]);
  return {
    accepted: true,
    task: scheduledTask(item.id, results[0].status),
    name: result.spec.name,
  };
}
