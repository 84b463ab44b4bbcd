/**
 * Keep-alive, so that frequent pings reuse connections; bounded, so that a burst of pings to one
 * host cannot open unbounded sockets, and idle connections close after a while.
 */
export const PING_AGENT_OPTIONS = {
  keepAlive: true,
  maxSockets: 64,
  // = maxSockets: a run's socket stays warm for the next run (the burst-http bench gives BullMQ's
  // side these same options).
  maxFreeSockets: 64,
  timeout: 30_000,
};
