import type { DelayTaskOptions } from './delay-task-options.interface';
import {
  RedisCaFile,
  RedisClusterNodes,
  RedisUrl,
  TextMatching,
  WholeNumber,
} from './setting-rules';

const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;
const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const TIB = 1024 ** 4;

/**
 * What each engine option accepts: the one set of rules for `DelayTaskModule.forRoot` options and
 * for the environment variables that set them (see environment.ts). Every option may be absent.
 */
export class DelayTaskOptionsSchema implements Partial<DelayTaskOptions> {
  @RedisUrl() redisUrl?: string;
  @RedisClusterNodes() redisClusterNodes?: string;
  @RedisCaFile() redisCaFile?: string;
  // Braces would break the {prefix} hash tag that keeps every key in one cluster slot.
  @TextMatching(/^[^\s{}]+$/, 'text without spaces, { or }') prefix?: string;
  @TextMatching(/^\S+$/, 'text without spaces') topic?: string;
  // A lease names its owner as `instanceId|token`.
  @TextMatching(/^[^\s|]+$/, 'text without spaces or |') instanceId?: string;
  @WholeNumber(1, 10_000) concurrency?: number;
  @WholeNumber(1, DAY_MS, 'ms') defaultTimeoutMs?: number;
  // Node's timers fire at once past 2^31 - 1 ms, so a longer timeout would abort every run.
  @WholeNumber(1, 24 * DAY_MS, 'ms') maxTimeoutMs?: number;
  @WholeNumber(100, 600_000, 'ms') windowMs?: number;
  @WholeNumber(10, 60_000, 'ms') refillIntervalMs?: number;
  @WholeNumber(500, 3_600_000, 'ms') leaseMs?: number;
  @WholeNumber(0, 100) maxStalls?: number;
  @WholeNumber(0, YEAR_MS, 'ms') completedRetentionMs?: number;
  @WholeNumber(1, 1_000_000_000) completedMax?: number;
  @WholeNumber(0, DAY_MS, 'ms') replayWindowMs?: number;
  @WholeNumber(1000, YEAR_MS, 'ms') failedRetentionMs?: number;
  @WholeNumber(1, 100_000_000) failedMax?: number;
  @WholeNumber(MIB, TIB, 'bytes') failedMaxBytes?: number;
  @WholeNumber(0, YEAR_MS, 'ms') historyRetentionMs?: number;
  @WholeNumber(1, 100_000_000) historyMax?: number;
  @WholeNumber(1, 10_000) streamBatchSize?: number;
  @WholeNumber(1000, DAY_MS, 'ms') streamClaimIdleMs?: number;
  @WholeNumber(256, 64 * MIB, 'bytes') maxMessageBytes?: number;
  @WholeNumber(1, 10_000_000) deadLetterMax?: number;
  @WholeNumber(64 * KIB, TIB, 'bytes') deadLetterMaxBytes?: number;
  @WholeNumber(MIB, 16 * GIB, 'bytes') ingestBufferBytes?: number;
  @WholeNumber(0, YEAR_MS, 'ms') maxPastMs?: number;
  @WholeNumber(1000, 100 * YEAR_MS, 'ms') maxFutureMs?: number;
  @WholeNumber(1, DAY_MS, 'ms') minIntervalMs?: number;
  @WholeNumber(0, 3_600_000, 'ms') shutdownGraceMs?: number;
  @WholeNumber(-DAY_MS, DAY_MS, 'ms') clockSkewMs?: number;
  @WholeNumber(1, 1024) partitions?: number;
  // A Redis master has at most a handful of replicas; more could never acknowledge.
  @WholeNumber(0, 5) replicaAcks?: number;
  // WAIT with a timeout of 0 would block forever.
  @WholeNumber(1, 60_000, 'ms') replicaAckTimeoutMs?: number;
}
