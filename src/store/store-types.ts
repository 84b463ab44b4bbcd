import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { Claim, ClaimRef, StartedRun } from '../domain/claim';
import type { AcceptStatus, CompleteCode, LostReason } from './script-codes';

export interface AcceptItem {
  id: string;
  /** `JSON.stringify` of the TaskSpec; equal strings mean the same submission. */
  record: string;
  dueMs: number;
  /**
   * Set exactly for periodic tasks, in a field of their own (the scripts never decode a record):
   * what marks a task periodic, and its Jitter, which startRuns applies.
   */
  period?: { intervalMs?: number; endTimeMs?: number; jitterMs?: number };
}
export type { AcceptStatus, CompleteCode, LostReason } from './script-codes';
export interface AcceptResult {
  status: AcceptStatus;
  /** Fencing token, set when the task was claimed at once for the accepting owner. */
  token?: number;
}
export interface StartResult {
  nowMs: number;
  started: StartedRun[];
  /** Token superseded or lease gone: not ours to run. */
  stale: Claim[];
  /** Not to start before `atMs` (not due yet by the Redis clock, or an old run may still run). */
  later: { claim: Claim; atMs: number }[];
  /** Not started again: its runs were lost `lost` times; the runner ends it (`stalled`). */
  stalled: { claim: Claim; lost: number; record: string }[];
}
export interface CompleteResult {
  code: CompleteCode;
  /** The next occurrence of a periodic task, when it was claimed for the completing owner. */
  next?: Claim;
}
export interface LostLease extends ClaimRef {
  reason: LostReason;
}
/** Bounds and policies of what the scripts keep (see DelayTaskOptions). */
export type StoreLimits = Pick<
  DelayTaskOptions,
  | 'completedRetentionMs'
  | 'completedMax'
  | 'replayWindowMs'
  | 'failedRetentionMs'
  | 'failedMax'
  | 'failedMaxBytes'
  | 'historyRetentionMs'
  | 'historyMax'
  | 'maxStalls'
>;
/**
 * How the store lays its keys out and how sure an accept is (see DelayTaskOptions); absent:
 * one partition, no replica acknowledgement asked for.
 */
export type StoreLayout = Partial<
  Pick<DelayTaskOptions, 'partitions' | 'replicaAcks' | 'replicaAckTimeoutMs'>
>;
export interface StoreCounts {
  tasks: number;
  due: number;
  leased: number;
  failed: number;
  done: number;
  dead: number;
}
