/**
 * `promise`, or a rejection saying that `what` did not answer within `ms`. While Redis is
 * unreachable ioredis queues commands and fails them only after its retries (seconds): a probe
 * or a scrape must answer sooner. What `promise` does later is left to it (and its rejection is
 * handled by the race).
 */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
