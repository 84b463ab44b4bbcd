import type { RedisLike } from '../store/redis-like';
import type { DeadLetter } from '../ingest/dead-letter';

export type { DeadLetter };
import type { TaskKeys } from '../store/keys';

export interface DeadLetterPage {
  entries: DeadLetter[];
  /** Where the next page starts; null when this is the last one. */
  cursor: string | null;
}

/** A page of the dead-letter list, newest first; the cursor is a position, as for tasks. */
export async function readDeadLetters(
  redis: RedisLike,
  keys: TaskKeys,
  limit: number,
  cursor = 0,
): Promise<DeadLetterPage> {
  const texts = await redis.lrange(keys.dead, cursor, cursor + limit - 1);
  return {
    entries: texts.map(parseDeadLetter),
    cursor: texts.length < limit ? null : String(cursor + texts.length),
  };
}

/**
 * One entry, checked field by field rather than trusted: anything else in the list (another
 * writer, a hand-made entry) is shown whole as the message of an "unreadable entry".
 */
export function parseDeadLetter(text: string): DeadLetter {
  const entry = parseObject(text);
  if (
    entry === undefined ||
    typeof entry.reason !== 'string' ||
    typeof entry.message !== 'string'
  ) {
    return { at: '', reason: 'unreadable dead-letter entry', format: '', message: text };
  }
  return {
    at: typeof entry.at === 'string' ? entry.at : '',
    reason: entry.reason,
    ...(typeof entry.id === 'string' ? { id: entry.id } : {}),
    format: typeof entry.format === 'string' ? entry.format : '',
    message: entry.message,
    ...(typeof entry.bytes === 'number' ? { bytes: entry.bytes } : {}),
    ...(entry.truncated === true ? { truncated: true } : {}),
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
