import Redis from 'ioredis';

/** Unix seconds with millisecond precision, as the seed's producers write `ToRunAt`. */
export function unixSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Waits until `check()` is true, polling; fails with `what` after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Publishes raw messages exactly as the seed's Python client does (`conn.publish(channel, json)`). */
export async function publishRaw(
  redis: Redis,
  channel: string,
  messages: readonly string[],
): Promise<void> {
  const pipeline = redis.pipeline();
  for (const message of messages) pipeline.publish(channel, message);
  await pipeline.exec();
}
