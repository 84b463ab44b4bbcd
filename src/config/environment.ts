import type { ServiceSettingsSchema } from './service-settings.schema';

/**
 * Every variable the service reads, and the setting each one sets: the one list that the
 * environment's validation, the unknown-variable warning and `.env.example` follow. What a
 * setting accepts is in its schema (delay-task-options.schema.ts, service-settings.schema.ts).
 */
export const OPTION_VARIABLES = {
  REDIS_URL: 'redisUrl',
  REDIS_CA_FILE: 'redisCaFile',
  REDIS_CLUSTER_NODES: 'redisClusterNodes',
  DELAYTASK_PREFIX: 'prefix',
  DELAYTASK_TOPIC: 'topic',
  DELAYTASK_CONCURRENCY: 'concurrency',
  DELAYTASK_DEFAULT_TIMEOUT_MS: 'defaultTimeoutMs',
  DELAYTASK_WINDOW_MS: 'windowMs',
  DELAYTASK_REFILL_INTERVAL_MS: 'refillIntervalMs',
  DELAYTASK_LEASE_MS: 'leaseMs',
  DELAYTASK_MAX_STALLS: 'maxStalls',
  DELAYTASK_COMPLETED_RETENTION_MS: 'completedRetentionMs',
  DELAYTASK_COMPLETED_MAX: 'completedMax',
  DELAYTASK_REPLAY_WINDOW_MS: 'replayWindowMs',
  DELAYTASK_FAILED_RETENTION_MS: 'failedRetentionMs',
  DELAYTASK_FAILED_MAX: 'failedMax',
  DELAYTASK_FAILED_MAX_BYTES: 'failedMaxBytes',
  DELAYTASK_HISTORY_RETENTION_MS: 'historyRetentionMs',
  DELAYTASK_HISTORY_MAX: 'historyMax',
  DELAYTASK_STREAM_BATCH_SIZE: 'streamBatchSize',
  DELAYTASK_STREAM_CLAIM_IDLE_MS: 'streamClaimIdleMs',
  DELAYTASK_MAX_MESSAGE_BYTES: 'maxMessageBytes',
  DELAYTASK_DEAD_LETTER_MAX: 'deadLetterMax',
  DELAYTASK_DEAD_LETTER_MAX_BYTES: 'deadLetterMaxBytes',
  DELAYTASK_INGEST_BUFFER_BYTES: 'ingestBufferBytes',
  DELAYTASK_MAX_PAST_MS: 'maxPastMs',
  DELAYTASK_SHUTDOWN_GRACE_MS: 'shutdownGraceMs',
  DELAYTASK_INSTANCE_ID: 'instanceId',
  DELAYTASK_CLOCK_SKEW_MS: 'clockSkewMs',
  DELAYTASK_PARTITIONS: 'partitions',
  DELAYTASK_REPLICA_ACKS: 'replicaAcks',
  DELAYTASK_REPLICA_ACK_TIMEOUT_MS: 'replicaAckTimeoutMs',
} as const satisfies Record<string, keyof ServiceSettingsSchema>;

/** The service's own settings (main.ts, app.module.ts), not the engine's. */
export const SERVICE_VARIABLES = {
  DELAYTASK_HTTP_PORT: 'httpPort',
  DELAYTASK_HTTP_HOST: 'httpHost',
  DELAYTASK_HTTP_TOKEN: 'httpToken',
  DELAYTASK_READY_MAX_LAG_MS: 'readyMaxLagMs',
  DELAYTASK_LOG_FORMAT: 'logFormat',
  DELAYTASK_LOG_LEVEL: 'logLevel',
  DELAYTASK_LOCAL_REDIS_DIR: 'localRedisDir',
} as const satisfies Record<string, keyof ServiceSettingsSchema>;

/** Read and checked by the module that uses it (the ping examples' PingOptions), known here. */
export const OTHER_VARIABLES = ['DELAYTASK_PING_ALLOW'] as const;

export const SETTING_VARIABLES = { ...OPTION_VARIABLES, ...SERVICE_VARIABLES };

export type OptionVariable = keyof typeof OPTION_VARIABLES;

/** The validated environment, as `ConfigService<DelayTaskEnvironment, true>` gives it. */
export type DelayTaskEnvironment = {
  [V in keyof typeof SETTING_VARIABLES]?: NonNullable<
    ServiceSettingsSchema[(typeof SETTING_VARIABLES)[V]]
  >;
} & { [V in (typeof OTHER_VARIABLES)[number]]?: string };

export const KNOWN_VARIABLES: readonly string[] = [
  ...Object.keys(SETTING_VARIABLES),
  ...OTHER_VARIABLES,
];
