import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, SERVER_CLOCK, TASK_STORE } from '../delay-task.constants';
import { EngineEvents } from '../events/engine-events';
import { messageOf } from '../logging/error-causes';
import { printable } from '../logging/printable';
import { ServerClock } from '../scheduler/server-clock';
import { WheelDriver } from '../scheduler/wheel-driver.service';
import { OutageLog } from '../logging/outage-log';
import type { AcceptItem, AcceptStatus, TaskStore } from '../store/task-store';
import type { Claim } from '../domain/claim';
import { TaskRegistry } from '../tasks/task-registry';
import { acceptItem } from '../store/accept-item';
import type { UnreadableEntry } from './stream-entries';
import { deadLetterEntry } from './dead-letter';
import { DelayTaskTransport } from './delay-task.transport';
import { IngestBudget } from './ingest-budget';
import { ParseOptions, ParseResult, parseTask } from './parse-task';
import { ReadPauseLog } from './read-pause-log';
import type { IncomingTaskMessage } from './task-message.deserializer';

/** Tasks accepted per script call; a burst is written in few round trips. */
const ACCEPT_BATCH = 1000;
/** Dead-letter entries sent at once (one script call each, pipelined). */
const DEAD_LETTER_BATCH = 100;
const RETRY_DELAY_MS = 200;
const LOGGED_MESSAGE_CHARS = 200;
/** Memory of a waiting task besides its text (item object, array slot, string headers), roughly. */
const ITEM_OVERHEAD_BYTES = 100;
const MIB = 1024 * 1024;

/**
 * Turns incoming messages into stored tasks. Valid ones are batched into one `acceptTasks` call per
 * event-loop turn; tasks due within the window come back claimed and go straight into the wheel.
 * Invalid ones are logged with their reason and kept in the dead-letter list. What waits for Redis
 * is bounded by `ingestBufferBytes`: past it the transport stops reading the channel.
 */
@Injectable()
export class TaskIngestService {
  private readonly logger = new Logger(TaskIngestService.name);
  /** A task accepted but not stored exists only in this process: not storing it is an error. */
  private readonly storeOutage = new OutageLog(
    this.logger,
    'store accepted tasks in Redis',
    'error',
  );
  private readonly deadLetterOutage = new OutageLog(
    this.logger,
    'keep rejected messages in the dead-letter list',
  );
  /** Made once: only `nowMs` changes from one message to the next (a burst is many messages). */
  private readonly parseOptions: ParseOptions;
  private readonly budget: IngestBudget;
  private readonly pauses: ReadPauseLog;
  private readonly tasks: AcceptItem[] = [];
  private readonly deadLetters: string[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(SERVER_CLOCK) private readonly clock: ServerClock,
    private readonly registry: TaskRegistry,
    private readonly driver: WheelDriver,
    private readonly transport: DelayTaskTransport,
    @Optional() private readonly events: EngineEvents = new EngineEvents(),
  ) {
    this.parseOptions = {
      nowMs: 0,
      // Called per message: the registry's lookup, nothing built (the type's options as stored).
      taskType: (name) => this.registry.get(name)?.options,
      maxPastMs: options.maxPastMs,
      maxFutureMs: options.maxFutureMs,
      minIntervalMs: options.minIntervalMs,
      maxTimeoutMs: options.maxTimeoutMs,
    };
    this.budget = new IngestBudget(options.ingestBufferBytes);
    this.pauses = new ReadPauseLog(this.logger, options.prefix + options.topic);
  }

  /** A message from the channel: stored in the next batch, or dead-lettered. Never throws. */
  submit(message: IncomingTaskMessage): void {
    const result = this.parse(message);
    if (!result.ok) {
      this.reject(message, result.reason, result.id);
      return;
    }
    const item = acceptItem(result.spec, result.dueMs);
    this.tasks.push(item);
    this.hold(itemBytes(item));
    this.flushing ??= this.flushSoon();
  }

  /**
   * A submission whose sender waits for the answer (the admin API, a Nest client's `send`): checked
   * as a channel message is, stored at once, and answered; a rejected one is not dead-lettered,
   * since its sender gets the reason. Rejects when Redis does not take it.
   */
  async schedule(message: IncomingTaskMessage): Promise<ScheduleAnswer> {
    const result = this.parse(message);
    if (!result.ok) {
      this.events.ingested('rejected');
      return { accepted: false, reason: result.reason };
    }
    const item = acceptItem(result.spec, result.dueMs);
    const [status] = await this.accept([item]);
    return { accepted: true, id: item.id, status };
  }

  /**
   * A batch whose reader acknowledges it only once it is in Redis (the stream inbox): its valid
   * tasks stored in as few script calls as possible, its rejected messages dead-lettered. Rejects
   * when Redis does not take them, so that the reader keeps the batch and tries again (accepting is
   * idempotent by ID, so a batch stored twice is stored once). `unreadable`: entries that hold no
   * task at all, dead-lettered with their reason.
   */
  async storeBatch(
    messages: readonly IncomingTaskMessage[],
    unreadable: readonly UnreadableEntry[] = [],
  ): Promise<void> {
    const items: AcceptItem[] = [];
    const rejected = unreadable.map(({ text, reason }) =>
      this.rejection(streamFormat(text), reason),
    );
    for (const message of messages) {
      const result = this.parse(message);
      if (result.ok) items.push(acceptItem(result.spec, result.dueMs));
      else rejected.push(this.rejection(message, result.reason, result.id));
    }
    for (let i = 0; i < items.length; i += ACCEPT_BATCH) {
      await this.accept(items.slice(i, i + ACCEPT_BATCH));
    }
    await Promise.all(rejected.map((entry) => this.keepDeadLetter(entry)));
  }

  private parse(message: IncomingTaskMessage): ParseResult {
    this.parseOptions.nowMs = this.clock.now();
    return parseTask(message, this.parseOptions);
  }

  /** Writes what waits, accepted tasks first, until nothing does; retries while Redis refuses. */
  private async flushSoon(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.tasks.length > 0 || this.deadLetters.length > 0) {
      const written =
        this.tasks.length > 0 ? await this.storeTasks() : await this.keepDeadLetters();
      if (!written) await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    }
    this.flushing = undefined;
  }

  private async storeTasks(): Promise<boolean> {
    const batch = this.tasks.splice(0, ACCEPT_BATCH);
    try {
      await this.accept(batch);
    } catch (error) {
      this.tasks.unshift(...batch);
      this.storeOutage.failed(this.storeFailure(error));
      return false;
    }
    this.storeOutage.succeeded();
    this.release(batch.reduce((sum, item) => sum + itemBytes(item), 0));
    return true;
  }

  /** Stores a batch; those due within the window come back claimed and go to the wheel. */
  private async accept(batch: AcceptItem[]): Promise<AcceptStatus[]> {
    const windowMs = this.driver.wantsClaims() ? this.options.windowMs : null;
    const { nowMs, results } = await this.store.acceptTasks(
      this.options.instanceId,
      windowMs,
      this.options.leaseMs,
      batch,
    );
    const claims: Claim[] = [];
    results.forEach((result, i) => {
      if (result.token !== undefined) {
        claims.push({ id: batch[i].id, dueMs: batch[i].dueMs, token: result.token });
      }
    });
    this.driver.take(nowMs, claims);
    for (const { status } of results) this.events.ingested(status);
    return results.map((result) => result.status);
  }

  private reject(message: IncomingTaskMessage, reason: string, id?: string): void {
    const entry = this.rejection(message, reason, id);
    this.deadLetters.push(entry);
    this.hold(entry.length);
    this.flushing ??= this.flushSoon();
  }

  /** Logs a rejected message with its reason, and gives its dead-letter entry. */
  private rejection(message: IncomingTaskMessage, reason: string, id?: string): string {
    this.events.ingested('rejected');
    const label = id === undefined ? 'a task' : `task ${printable(id)}`;
    this.logger.warn(
      `Rejected ${label} (${message.format} format): ${printable(reason)}; ` +
        `message: ${printable(message.text, LOGGED_MESSAGE_CHARS)}`,
    );
    return deadLetterEntry({
      at: new Date(this.clock.now()).toISOString(),
      reason,
      id,
      format: message.format,
      text: message.text,
    });
  }

  private keepDeadLetter(entry: string): Promise<number> {
    return this.store.keepDeadLetter(
      entry,
      this.options.deadLetterMax,
      this.options.deadLetterMaxBytes,
    );
  }

  private async keepDeadLetters(): Promise<boolean> {
    const batch = this.deadLetters.splice(0, DEAD_LETTER_BATCH);
    const outcomes = await Promise.allSettled(batch.map((entry) => this.keepDeadLetter(entry)));
    const failed = batch.filter((_, i) => outcomes[i].status === 'rejected');
    const kept = batch.filter((_, i) => outcomes[i].status === 'fulfilled');
    this.release(kept.reduce((sum, entry) => sum + entry.length, 0));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure === undefined) {
      this.deadLetterOutage.succeeded();
      return true;
    }
    this.deadLetters.unshift(...failed);
    this.deadLetterOutage.failed(new Error(errorText(failure.reason)));
    return false;
  }

  private hold(bytes: number): void {
    if (this.budget.hold(bytes) !== 'stop') return;
    this.transport.pauseReading();
    this.pauses.stopped(
      `${mib(this.budget.heldBytes)} of accepted tasks and rejected messages wait for Redis, ` +
        `more than the ingest buffer of ${mib(this.budget.limitBytes)} ` +
        '(DELAYTASK_INGEST_BUFFER_BYTES)',
    );
  }

  private release(bytes: number): void {
    if (this.budget.release(bytes) !== 'resume') return;
    this.transport.resumeReading();
    this.pauses.resumed();
  }

  /** Redis's reason, with what it means for the tasks waiting here. */
  private storeFailure(error: unknown): Error {
    const reason = errorText(error).replace(/\.$/, '');
    const outOfMemory = reason.startsWith('OOM') ? 'Redis is out of memory (maxmemory). ' : '';
    return new Error(
      `${reason}. ${outOfMemory}${this.tasks.length} accepted task(s) wait in this process's ` +
        'memory until Redis takes them; they are lost if it stops first',
    );
  }
}

/** The answer to a submission whose sender waits for it. */
export type ScheduleAnswer =
  | { accepted: true; id: string; status: AcceptStatus }
  | { accepted: false; reason: string };

/** How an entry without a task is shown in the log and its dead letter: its fields as JSON. */
function streamFormat(text: string): IncomingTaskMessage {
  return { format: 'seed', body: text, text };
}

function itemBytes(item: AcceptItem): number {
  return item.record.length + item.id.length + ITEM_OVERHEAD_BYTES;
}

function errorText(error: unknown): string {
  return printable(messageOf(error));
}

function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}
