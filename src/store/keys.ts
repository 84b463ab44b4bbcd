import { StoreArgumentError } from './errors/store-argument.error';

/** Default key prefix; every key also carries it as a hash tag so multi-key scripts run on a cluster. */
export const DEFAULT_KEY_PREFIX = 'remote-task0:';

/**
 * Names every Redis key of one task namespace. All keys share the hash tag `{tag}`: the prefix, or
 * for a partition of several the prefix and the partition's number (see partitions.ts).
 */
export class TaskKeys {
  /** HASH id -> record (JSON of TaskSpec, doubling as the content fingerprint). */
  readonly tasks: string;
  /**
   * HASH id -> `intervalMs|endTimeMs|jitterMs` of periodic tasks (a cron task has no interval):
   * marks a task periodic, as the scripts never decode a record.
   */
  readonly period: string;
  /** ZSET id -> due time ms (pending, not claimed). */
  readonly due: string;
  /** ZSET id -> lease expiry ms (claimed by some instance: in its wheel or running). */
  readonly leased: string;
  /** HASH id -> `token|dueMs|owner`. */
  readonly lease: string;
  /** ZSET id -> start ms: the tasks whose claim has become a started run. */
  readonly running: string;
  /** STRING counter; INCR gives each claim a fencing token. */
  readonly fence: string;
  /** HASH id -> number of starts of the current occurrence. */
  readonly attempts: string;
  /** HASH id -> number of runs of the current occurrence that were lost (instance died, stalled). */
  readonly stalls: string;
  /** HASH id -> `token|leaseExpiryMs` of a started run whose task took new content meanwhile. */
  readonly superseded: string;
  /** ZSET 12-byte digest of (id, record) -> completion ms: submissions that ran. */
  readonly completed: string;
  /** ZSET 12-byte digest of (id, record) -> ms it was replaced: to recognise stale replays. */
  readonly replaced: string;
  /** ZSET id -> ms it was cancelled (the record stays, to inspect or requeue). */
  readonly cancelled: string;
  /** HASH id -> record of a done task, kept for a while to inspect (see `historyAt`). */
  readonly history: string;
  /** ZSET id -> ms the task was done. */
  readonly historyAt: string;
  /** ZSET id -> failure ms (once tasks whose handler threw or timed out; the record stays). */
  readonly failed: string;
  /** HASH id -> last failure JSON. */
  readonly failures: string;
  /** STRING bytes of the records and failures of the tasks in `failed`. */
  readonly failedBytes: string;
  /** HASH instance ID -> its last heartbeat (JSON): what it runs and holds, and when it said so. */
  readonly instances: string;
  /** SET of the task names the instances register: what a producer outside them may check against. */
  readonly taskTypes: string;
  /** LIST of dead-letter entries (JSON), newest first, bounded by count and bytes. */
  readonly dead: string;
  /** STRING total bytes of the entries in `dead`. */
  readonly deadBytes: string;
  /** HASH `missed` | `expired` -> occurrences that did not run, fleet-wide, since ever (per partition). */
  readonly counters: string;

  /** STRING the number of partitions the prefix's tasks are spread over (see partitions.ts). */
  readonly partitions: string;

  /** Channel (not a key) on which instances hear about runs to stop: `cancel <id> <token>`. */
  readonly control: string;

  constructor(
    readonly prefix: string = DEFAULT_KEY_PREFIX,
    tag: string = prefix,
  ) {
    if (prefix === '' || /[{}]/.test(prefix)) {
      throw new StoreArgumentError('prefix', prefix, 'a non-empty prefix without { or }');
    }
    const p = `{${tag}}`;
    this.tasks = `${p}tasks`;
    this.period = `${p}period`;
    this.due = `${p}due`;
    this.leased = `${p}leased`;
    this.lease = `${p}lease`;
    this.running = `${p}running`;
    this.fence = `${p}fence`;
    this.attempts = `${p}attempts`;
    this.stalls = `${p}stalls`;
    this.superseded = `${p}superseded`;
    this.completed = `${p}completed`;
    this.replaced = `${p}replaced`;
    this.cancelled = `${p}cancelled`;
    this.history = `${p}history`;
    this.historyAt = `${p}historyAt`;
    this.failed = `${p}failed`;
    this.failures = `${p}failures`;
    this.failedBytes = `${p}failedBytes`;
    this.instances = `${p}instances`;
    this.taskTypes = `${p}taskTypes`;
    this.counters = `${p}counters`;
    this.dead = `${p}dead`;
    this.deadBytes = `${p}deadBytes`;
    this.partitions = `${p}partitions`;
    this.control = `${prefix}control`;
  }
}
