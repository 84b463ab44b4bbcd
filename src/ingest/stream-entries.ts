/** One stream entry as read: its ID and its field-value pairs (null once the entry was deleted). */
export interface StreamEntry {
  readonly id: string;
  readonly fields: readonly string[] | null;
}

/** The field of a stream entry that holds the task: exactly what would be published. */
export const TASK_FIELD = 'task';

/** An entry that holds no task: kept as a dead letter with the reason, then acknowledged. */
export interface UnreadableEntry {
  readonly text: string;
  readonly reason: string;
}

/**
 * The entries of an XREADGROUP or XAUTOCLAIM reply (`[[stream, [[id, [field, value, …]], …]]]`, or
 * null when nothing came), their shape checked rather than trusted.
 */
export function streamEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return [];
  const entries: StreamEntry[] = [];
  for (const stream of reply as unknown[]) {
    const list = Array.isArray(stream) ? (stream as unknown[])[1] : undefined;
    if (!Array.isArray(list)) continue;
    for (const item of list as unknown[]) {
      if (!Array.isArray(item)) continue;
      const [id, fields] = item as unknown[];
      if (typeof id !== 'string') continue;
      entries.push({ id, fields: isStrings(fields) ? fields : null });
    }
  }
  return entries;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * The task text of an entry; an entry without one (no `task` field, or deleted meanwhile: then
 * undefined, nothing to keep) is unreadable, with the reason.
 */
export function taskText(entry: StreamEntry): string | UnreadableEntry | undefined {
  if (entry.fields === null) return undefined;
  const names: string[] = [];
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    if (entry.fields[i] === TASK_FIELD) return entry.fields[i + 1];
    names.push(entry.fields[i]);
  }
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < entry.fields.length; i += 2)
    fields[entry.fields[i]] = entry.fields[i + 1];
  return {
    text: JSON.stringify(fields),
    reason:
      `stream entry ${entry.id} has no field "${TASK_FIELD}"` +
      (names.length === 0
        ? ''
        : ` (its fields: ${names.map((n) => JSON.stringify(n)).join(', ')})`),
  };
}
