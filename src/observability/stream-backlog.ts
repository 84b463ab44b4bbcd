import type { RedisLike } from '../store/redis-like';
import { STREAM_GROUP } from '../ingest/stream-inbox.service';

/** The stream inbox: entries not yet read, and entries read but not yet acknowledged. */
export interface StreamBacklog {
  length: number;
  pending: number;
}

/** The stream inbox's backlog, or undefined while the stream (or its group) does not exist. */
export async function readStreamBacklog(
  redis: RedisLike,
  stream: string,
): Promise<StreamBacklog | undefined> {
  try {
    const [summary, length] = await Promise.all([
      redis.xpending(stream, STREAM_GROUP) as Promise<[number, ...unknown[]]>,
      redis.xlen(stream),
    ]);
    return { length, pending: summary[0] };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOGROUP')) return undefined;
    throw error;
  }
}
