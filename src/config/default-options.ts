import { cpus, hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DelayTaskOptions } from './delay-task-options.interface';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const MIB = 1024 * 1024;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export function defaultOptions(): DelayTaskOptions {
  return {
    redisUrl: DEFAULT_REDIS_URL,
    prefix: 'remote-task0:',
    topic: 'messageQ',
    concurrency: Math.max(1, cpus().length),
    defaultTimeoutMs: 30 * SECOND,
    windowMs: 2 * SECOND,
    refillIntervalMs: 200,
    leaseMs: 5 * SECOND,
    completedRetentionMs: DAY,
    completedMax: 1_000_000,
    replayWindowMs: 60 * SECOND,
    failedRetentionMs: 7 * DAY,
    failedMax: 100_000,
    failedMaxBytes: 256 * MIB,
    historyRetentionMs: HOUR,
    historyMax: 10_000,
    maxStalls: 1,
    streamBatchSize: 1000,
    streamClaimIdleMs: 15 * SECOND,
    maxMessageBytes: MIB,
    deadLetterMax: 10_000,
    deadLetterMaxBytes: 64 * MIB,
    ingestBufferBytes: 64 * MIB,
    maxPastMs: HOUR,
    maxFutureMs: 10 * 365 * DAY,
    minIntervalMs: 50,
    maxTimeoutMs: DAY,
    shutdownGraceMs: 10 * SECOND,
    clockSkewMs: 0,
    partitions: 1,
    replicaAcks: 0,
    replicaAckTimeoutMs: SECOND,
    instanceId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
  };
}
