/**
 * Everything the engine can be told. `DelayTaskModule.forRoot()` takes any subset; an absent option
 * takes its default. What each accepts: delay-task-options.schema.ts.
 */
export interface DelayTaskOptions {
  /**
   * `redis://[:password@]host:port[/db]`, or `redis+sentinel://[user:password@]host:port[,…]/<masterName>[/<db>]`
   * for a master found through Sentinel; the password never reaches a log.
   */
  redisUrl: string;
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
  /** At most this many completed IDs are remembered (the oldest are forgotten first). */
  completedMax: number;
  /**
   * A message whose content an ID held within this window and then left (it was replaced by
   * newer content) is a stale replay and is ignored, not applied again.
   */
  replayWindowMs: number;
  /** Failed once tasks are kept (for inspection and requeue) this long at most. */
  failedRetentionMs: number;
  /** At most this many failed tasks are kept (the oldest are forgotten first). */
  failedMax: number;
  /** Failed tasks kept take at most this many bytes of records (the oldest are forgotten first). */
  failedMaxBytes: number;
  /** Done tasks are kept (to inspect: state, payload, when) this long at most. */
  historyRetentionMs: number;
  /** At most this many done tasks are kept to inspect (the oldest are forgotten first). */
  historyMax: number;
  /**
   * How often an occurrence may lose its run (its instance died, stalled past its lease, or gave
   * it up) and still be started again; one more and it is recorded as failed instead.
   */
  maxStalls: number;
  /** Stream entries read (and stored, then acknowledged) at once by an instance. */
  streamBatchSize: number;
  /**
   * Stream entries an instance read but did not acknowledge for this long (it died mid-batch)
   * are taken over by another instance.
   */
  streamClaimIdleMs: number;
  /** Messages larger than this are dead-lettered unparsed. */
  maxMessageBytes: number;
  /** The dead-letter list keeps at most this many entries. */
  deadLetterMax: number;
  /** The dead-letter list keeps at most this many bytes (the oldest entries go first). */
  deadLetterMaxBytes: number;
  /**
   * Accepted messages waiting to be written to Redis take at most this many bytes of memory; past
   * it ingest stops reading the channel until Redis takes them.
   */
  ingestBufferBytes: number;
  /** A once task whose `ToRunAt` is older than this is rejected; younger ones run at once. */
  maxPastMs: number;
  /** Times further ahead than this are rejected as absurd. */
  maxFutureMs: number;
  /** Periodic tasks with a shorter `Interval` are rejected. */
  minIntervalMs: number;
  /** Tasks with a longer `Timeout` are rejected. */
  maxTimeoutMs: number;
  /** On SIGTERM, running tasks get this long to finish before the process exits anyway. */
  shutdownGraceMs: number;
  /**
   * Pretends this host's clock is off by this much (tests only): due times and leases are judged
   * by Redis server time, so a skewed host must still neither run early nor steal work.
   */
  clockSkewMs: number;
  /**
   * Hash tags the per-task keys are spread over (`{<prefix><p>}`, one cluster slot each), so that
   * the tasks of one prefix land on every master of a cluster. 1: today's `{<prefix>}` keys. A
   * task's partition is a function of its ID: keep the number fixed for a prefix's data.
   */
  partitions: number;
  /**
   * An accept is acknowledged only once this many replicas have it (`WAIT`); 0 asks for none.
   * A failover then loses no acknowledged task.
   */
  replicaAcks: number;
  /** How long an accept waits for `replicaAcks` replicas before it fails (`ReplicaAckError`). */
  replicaAckTimeoutMs: number;
  /** Identifies this instance in leases; defaults to host:pid:random. */
  instanceId: string;
  /** PEM file of the certificate authority that signs the Redis server's certificate (`rediss://`). */
  redisCaFile?: string;
  /**
   * Seed nodes of a Redis Cluster, `[redis://|rediss://][user:password@]host:port[,host:port…]`:
   * when set, every connection is an ioredis `Cluster` and `redisUrl` is not used.
   */
  redisClusterNodes?: string;
}

/** Options of `forRoot`/`forRootAsync`: any subset of `DelayTaskOptions`; the rest are defaults. */
export type DelayTaskModuleOptions = Partial<DelayTaskOptions>;
