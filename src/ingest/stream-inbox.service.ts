import { Inject, Injectable, Logger } from '@nestjs/common';
import type { RedisLike } from '../store/redis-like';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, REDIS_CLIENT } from '../delay-task.constants';
import { OutageLog } from '../logging/outage-log';
import { printable } from '../logging/printable';
import { type StreamEntry, streamEntries, taskText, type UnreadableEntry } from './stream-entries';
import { TaskIngestService } from './task-ingest.service';
import { type IncomingTaskMessage, readTaskMessage } from './task-message.deserializer';

/** The consumer group every instance reads the stream in. */
export const STREAM_GROUP = 'delaytask';
/** How long one read waits for entries before the loop looks again (and can stop). */
const BLOCK_MS = 1000;
const RETRY_DELAY_MS = 500;

type Read = { entries: StreamEntry[] } | { error: unknown };

/**
 * The durable way in: the Redis stream `<prefix><topic>` (the channel's name; channels and keys
 * never collide), read in a consumer group. Each instance reads its share at its own pace, stores
 * a batch (valid tasks accepted, the rest dead-lettered), and only then acknowledges and deletes
 * it, so the stream does not grow and nothing read is lost: entries a dead instance read but did
 * not acknowledge are claimed by the others once idle for `streamClaimIdleMs`. A flood waits in
 * Redis, not in this process's memory.
 */
@Injectable()
export class StreamInbox {
  private readonly logger = new Logger(StreamInbox.name);
  private readonly outage = new OutageLog(this.logger, 'read the task stream', 'error');
  private readonly stream: string;
  /** Blocking reads get a connection of their own: the shared one must never wait on them. */
  private reader: RedisLike | undefined;
  private reading: Promise<void> | undefined;
  private running = false;
  /** Our own entries read but not acknowledged (a failed store): read again before new ones. */
  private ownPending = false;
  private claimCursor = '0-0';
  private lastClaimAt = 0;

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(REDIS_CLIENT) private readonly redis: RedisLike,
    private readonly ingest: TaskIngestService,
  ) {
    this.stream = options.prefix + options.topic;
  }

  async start(): Promise<void> {
    const reader = this.redis.duplicate();
    reader.on('error', (error: Error) => this.outage.failed(error));
    this.reader = reader;
    await this.ensureGroup();
    this.running = true;
    this.reading = this.readUntilStopped(reader);
    this.logger.log(`Reading the task stream ${printable(this.stream)}`);
  }

  /** Stops reading; a batch being stored, or read ahead, is stored and acknowledged first. */
  async stop(): Promise<void> {
    this.running = false;
    // Ends a blocking read at once; what it had taken stays pending, for the others to claim.
    this.reader?.disconnect();
    await this.reading;
  }

  /**
   * Reads a batch, and reads the next one while this one is stored and acknowledged: the read's
   * round trip and parsing no longer wait behind the store. After any failure the batch read ahead
   * is dropped unstored (it stays pending, ours): the next read takes our own pending entries from
   * the start, in stream order, so that a later entry of a task is never stored before an earlier
   * one.
   */
  private async readUntilStopped(reader: RedisLike): Promise<void> {
    let ahead: Promise<Read> | undefined;
    while (this.running) {
      const read = await (ahead ?? this.tryRead(reader));
      ahead = undefined;
      if ('error' in read) {
        await this.failed(read.error);
        continue;
      }
      if (read.entries.length > 0) {
        // Not while our own pending entries are read again: those come from the start of our
        // pending list, which holds this batch until it is acknowledged.
        if (!this.ownPending) ahead = this.tryRead(reader);
        try {
          await this.store(read.entries);
        } catch (error) {
          await ahead;
          ahead = undefined;
          await this.failed(error);
          continue;
        }
      }
      this.outage.succeeded();
    }
    // A batch read ahead before the stop is stored too; what a read the stop cut short had taken
    // stays pending, for the others to claim.
    const last = await ahead;
    if (last && 'entries' in last && last.entries.length > 0) {
      await this.store(last.entries).catch((error: unknown) => this.outage.failed(error));
    }
  }

  /** The next entries, or why they could not be read (never a rejection: a read may wait ahead). */
  private tryRead(reader: RedisLike): Promise<Read> {
    return this.nextEntries(reader).then(
      (entries) => ({ entries }),
      (error: unknown) => ({ error }),
    );
  }

  private async failed(error: unknown): Promise<void> {
    if (!this.running) return;
    this.ownPending = true;
    this.outage.failed(error);
    if (isNoGroup(error)) await this.ensureGroup().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  }

  /** Our own unacknowledged entries first, then those a dead instance left, then new ones. */
  private async nextEntries(reader: RedisLike): Promise<StreamEntry[]> {
    if (this.ownPending) {
      const own = await this.read(reader, '0', undefined);
      if (own.length > 0) return own;
      this.ownPending = false;
    }
    if (Date.now() - this.lastClaimAt >= this.options.streamClaimIdleMs / 2) {
      const claimed = await this.claimIdle(reader);
      if (claimed.length > 0) return claimed;
      this.lastClaimAt = Date.now();
    }
    return this.read(reader, '>', BLOCK_MS);
  }

  private async read(reader: RedisLike, from: '0' | '>', blockMs: number | undefined) {
    const block = blockMs === undefined ? [] : ['BLOCK', blockMs];
    const reply: unknown = await reader.call(
      'XREADGROUP',
      ...['GROUP', STREAM_GROUP, this.options.instanceId],
      ...['COUNT', this.options.streamBatchSize, ...block],
      ...['STREAMS', this.stream, from],
    );
    return streamEntries(reply);
  }

  /** Entries another instance read and did not acknowledge within the idle time. */
  private async claimIdle(reader: RedisLike): Promise<StreamEntry[]> {
    const reply = (await reader.call(
      'XAUTOCLAIM',
      ...[this.stream, STREAM_GROUP, this.options.instanceId],
      ...[this.options.streamClaimIdleMs, this.claimCursor],
      ...['COUNT', this.options.streamBatchSize],
    )) as [string, unknown, unknown?];
    this.claimCursor = reply[0];
    const claimed = streamEntries([[this.stream, reply[1]]]);
    if (claimed.length > 0) {
      this.logger.warn(
        `Took over ${claimed.length} stream entr(ies) another instance read but did not store`,
      );
    }
    return claimed;
  }

  private async store(entries: readonly StreamEntry[]): Promise<void> {
    const messages: IncomingTaskMessage[] = [];
    const unreadable: UnreadableEntry[] = [];
    for (const entry of entries) {
      const text = taskText(entry);
      if (typeof text === 'string') {
        const message = readTaskMessage(text, this.options.maxMessageBytes);
        messages.push({ ...message, idSource: `${this.stream}#${entry.id}` });
      } else if (text !== undefined) {
        unreadable.push(text);
      }
    }
    await this.ingest.storeBatch(messages, unreadable);
    const ids = entries.map((entry) => entry.id);
    await this.redis
      .pipeline()
      .xack(this.stream, STREAM_GROUP, ...ids)
      .xdel(this.stream, ...ids)
      .exec();
  }

  /** The group, from the stream's start: entries added before any instance ran are taken too. */
  private async ensureGroup(): Promise<void> {
    try {
      await this.redis.call('XGROUP', 'CREATE', this.stream, STREAM_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
    }
  }
}

function isNoGroup(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOGROUP');
}
