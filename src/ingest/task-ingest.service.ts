import { Inject, Injectable, Logger } from '@nestjs/common';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, SERVER_CLOCK, TASK_STORE } from '../delay-task.constants';
import { ServerClock } from '../scheduler/server-clock';
import { WheelDriver } from '../scheduler/wheel-driver.service';
import { OutageLog } from '../store/outage-log';
import type { AcceptItem, Claim, TaskStore } from '../store/task-store';
import { TaskRegistry } from '../tasks/task-registry';
import { ParseOptions, parseTask } from './parse-task';
import { SnowflakeIdGenerator } from './snowflake-id';
import type { IncomingTaskMessage } from './task-message.deserializer';

/** Tasks accepted per script call; a burst is written in few round trips. */
const ACCEPT_BATCH = 1000;
const RETRY_DELAY_MS = 200;
const LOGGED_MESSAGE_CHARS = 200;
const STORED_MESSAGE_CHARS = 64 * 1024;

/**
 * Turns incoming messages into stored tasks. Valid ones are batched into one `acceptTasks` call per
 * event-loop turn; tasks due within the window come back claimed and go straight into the wheel.
 * Invalid ones are logged with their reason and kept in the dead-letter list.
 */
@Injectable()
export class TaskIngestService {
  private readonly logger = new Logger(TaskIngestService.name);
  private readonly outage = new OutageLog(this.logger, 'store accepted tasks in Redis');
  private readonly ids: SnowflakeIdGenerator;
  /** Made once: only `nowMs` changes from one message to the next (a burst is many messages). */
  private readonly parseOptions: ParseOptions;
  private pending: AcceptItem[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(TASK_STORE) private readonly store: TaskStore,
    @Inject(SERVER_CLOCK) private readonly clock: ServerClock,
    private readonly registry: TaskRegistry,
    private readonly driver: WheelDriver,
  ) {
    this.ids = new SnowflakeIdGenerator(clock);
    this.parseOptions = {
      nowMs: 0,
      generateId: () => this.ids.next(),
      isKnownTask: (name) => this.registry.has(name),
      maxPastMs: options.maxPastMs,
      maxFutureMs: options.maxFutureMs,
      minIntervalMs: options.minIntervalMs,
      maxTimeoutMs: options.maxTimeoutMs,
    };
  }

  submit(message: IncomingTaskMessage): void {
    this.parseOptions.nowMs = this.clock.now();
    const result = parseTask(message.body, this.parseOptions);
    if (!result.ok) {
      void this.reject(message, result.reason, result.id);
      return;
    }
    this.pending.push({
      id: result.spec.id,
      record: JSON.stringify(result.spec),
      dueMs: result.dueMs,
    });
    this.flushing ??= this.flushSoon();
  }

  private async flushSoon(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, ACCEPT_BATCH);
      try {
        await this.accept(batch);
        this.outage.succeeded();
      } catch (error) {
        this.outage.failed(error);
        this.pending.unshift(...batch);
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
    this.flushing = undefined;
  }

  private async accept(batch: AcceptItem[]): Promise<void> {
    const windowMs = this.driver.isHolding ? this.options.windowMs : null;
    const { nowMs, results } = await this.store.acceptTasks(
      this.options.instanceId,
      windowMs,
      this.options.leaseMs,
      batch,
    );
    this.clock.observe(nowMs);
    const claims: Claim[] = [];
    results.forEach((result, i) => {
      if (result.token !== undefined) {
        claims.push({ id: batch[i].id, dueMs: batch[i].dueMs, token: result.token });
      }
    });
    this.driver.hold(claims);
  }

  private async reject(message: IncomingTaskMessage, reason: string, id?: string): Promise<void> {
    const text = messageText(message);
    const label = id === undefined ? 'a task' : `task ${id}`;
    this.logger.warn(
      `Rejected ${label} (${message.format} format): ${reason}; message: ${cut(text, LOGGED_MESSAGE_CHARS)}`,
    );
    const entry = {
      at: new Date(this.clock.now()).toISOString(),
      reason,
      id,
      format: message.format,
      message: cut(text, STORED_MESSAGE_CHARS),
    };
    try {
      await this.store.keepDeadLetter(
        JSON.stringify(entry),
        this.options.deadLetterMax,
        this.options.deadLetterMaxBytes,
      );
    } catch (error) {
      this.logger.error(
        `Could not keep the rejected message in the dead-letter list: ${(error as Error).message}`,
      );
    }
  }
}

function messageText(message: IncomingTaskMessage): string {
  if (message.rawText !== undefined) return message.rawText;
  return typeof message.body === 'string'
    ? message.body
    : (JSON.stringify(message.body) ?? String(message.body));
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}
