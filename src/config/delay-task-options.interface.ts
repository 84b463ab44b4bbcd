/** Everything the engine can be told. `DelayTaskModule.forRoot()` takes any subset; the rest are defaults. */
export interface DelayTaskOptions {
  /** `redis://[:password@]host:port[/db]`; the password never reaches a log. */
  redisUrl: string;
  /** When nothing answers at `redisUrl`, start a local `redis-server` (only when the URL was not chosen explicitly). */
  startLocalRedis: boolean;
  /** Where that local Redis keeps its append-only file. */
  localRedisDir: string;
  /** Names every Redis key of this service and, with `topic`, the channel `prefix + topic`. */
  prefix: string;
  topic: string;
  /** Handlers running at once in this process. */
  concurrency: number;
  /** Run time bound for tasks that carry no `Timeout`. */
  defaultTimeoutMs: number;
  /** Tasks due within this window are claimed from Redis into the in-memory wheel; later ones stay in Redis. */
  windowMs: number;
  /** How often the window is refilled from Redis. */
  refillIntervalMs: number;
  /** How long a claim outlives its due time (or a run its last renewal) before other instances may take it over. */
  leaseMs: number;
  /** How long completed IDs are remembered so that a resubmission does not run again. */
  completedRetentionMs: number;
  /** Messages larger than this are dead-lettered unparsed. */
  maxMessageBytes: number;
  /** The dead-letter list keeps at most this many entries. */
  deadLetterMax: number;
  /** A once task whose `ToRunAt` is older than this is rejected; younger ones run at once. */
  maxPastMs: number;
  /** Times further ahead than this are rejected as absurd. */
  maxFutureMs: number;
  minIntervalMs: number;
  maxTimeoutMs: number;
  /** On SIGTERM, running tasks get this long to finish before the process exits anyway. */
  shutdownGraceMs: number;
  /**
   * Pretends this host's clock is off by this much (tests only): due times and leases are judged
   * by Redis server time, so a skewed host must still neither run early nor steal work.
   */
  clockSkewMs: number;
  /** Identifies this instance in leases; defaults to host:pid:random. */
  instanceId: string;
}
