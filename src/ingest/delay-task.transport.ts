import { Logger } from '@nestjs/common';
import { MessageHandler, ServerRedis } from '@nestjs/microservices';
import type { Cluster, Redis } from 'ioredis';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { openRedis, type RedisConnection, redisConnection } from '../store/redis-connection';
import { TASK_MESSAGE_PATTERN } from '../delay-task.constants';
import { printable } from '../logging/printable';
import { OutageLog } from '../logging/outage-log';
import { whenNodesAnswer } from '../store/redis-client';
import { RedisRefusedError } from '../store/redis-handshake';
import {
  IncomingTaskMessage,
  TaskMessageDeserializer,
  readTaskMessage,
} from './task-message.deserializer';

// Short: while the subscriber reconnects nobody hears the channel, and pub/sub keeps nothing.
const MAX_RETRY_DELAY_MS = 1000;

/**
 * Nest's Redis transport, set to our channel: it subscribes to `<prefix><topic>` (whatever pattern
 * the handler was declared with), reads each message keeping its text as received, resolves
 * `listen` only once subscribed, and reconnects for ever with backoff. Every loss of the
 * subscription is logged as an error and counted (`pubsubDisconnects`): what is published while
 * no instance is subscribed is lost. Ingest may stop it reading the channel for a while
 * (`pauseReading`) when Redis does not take accepted tasks.
 */
export class DelayTaskTransport extends ServerRedis {
  private readonly channel: string;
  private readonly maxMessageBytes: number;
  private readonly log = new Logger(DelayTaskTransport.name);
  private readonly outage = new OutageLog(this.log, 'reach Redis for the task channel');
  private subscribed = false;
  private readingPaused = false;
  private disconnects = 0;
  private readonly connection: RedisConnection;

  constructor(options: DelayTaskOptions) {
    const channel = options.prefix + options.topic;
    const connection = redisConnection(options);
    super({
      ...(connection.cluster ? {} : connection.options),
      // We subscribe again ourselves, to log when the channel is heard again.
      autoResubscribe: false,
      deserializer: new TaskMessageDeserializer(channel),
    });
    this.connection = connection;
    this.channel = channel;
    this.maxMessageBytes = options.maxMessageBytes;
  }

  /**
   * On a cluster, an ioredis Cluster: a classic PUBLISH to any node reaches its subscriber, which
   * ioredis moves to another node (subscribing there again) when its node fails.
   */
  override createRedisClient(): Redis {
    if (!this.connection.cluster) return super.createRedisClient() as Redis;
    // The Cluster takes the same subscribe, message and connect calls as a Redis.
    return openRedis(this.connection, {
      lazyConnect: true,
      retryDelay: (times) => this.createRetryStrategy(times) ?? null,
    }) as unknown as Redis;
  }

  /** How often the subscriber lost the channel since start; messages published meanwhile were lost. */
  get pubsubDisconnects(): number {
    return this.disconnects;
  }

  /**
   * Stops reading the task channel: the subscriber's socket is paused, so unread messages pile up
   * in Redis, which cuts the subscriber off past `client-output-buffer-limit pubsub`.
   */
  pauseReading(): void {
    this.readingPaused = true;
    this.subscriber()?.stream?.pause();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.subscriber()?.stream?.resume();
  }

  override addHandler(
    pattern: unknown,
    callback: MessageHandler,
    isEventHandler?: boolean,
    extras?: Record<string, unknown>,
  ): void {
    super.addHandler(
      pattern === TASK_MESSAGE_PATTERN ? this.channel : pattern,
      callback,
      isEventHandler,
      extras,
    );
  }

  // Nest tries JSON.parse on every message's channel, for object patterns; ours is plain text,
  // and the SyntaxError thrown per message topped the CPU profile of a 50,000-task burst.
  override getRouteFromPattern(pattern: string): string {
    return pattern === this.channel ? pattern : super.getRouteFromPattern(pattern);
  }

  // Nest's own parseMessage would hand on only JSON.parse's result: the text as received must
  // reach the dead-letter list and derived task IDs, whatever the message holds.
  override parseMessage(content: string): IncomingTaskMessage {
    return readTaskMessage(content, this.maxMessageBytes);
  }

  override start(callback: (error?: unknown) => void): void {
    // Nest types its Redis clients as `any`; they are ioredis clients.
    const [subClient, pubClient] = [this.subClient as Redis, this.pubClient as Redis];
    Promise.all([subClient.connect(), pubClient.connect()])
      .then(async () => {
        this.bindEvents(subClient, pubClient);
        await subClient.subscribe(this.channel);
        this.subscribed = true;
        this.log.log(`Subscribed to ${this.channel}`);
        callback();
      })
      .catch(callback);
  }

  override bindEvents(subClient: Redis, pubClient: Redis): void {
    subClient.on('message', (channel: string, message: string) => {
      this.handleMessage(channel, message, pubClient, channel).catch((error: unknown) =>
        this.log.error(`Could not hand a message to ingest: ${printable(String(error))}`),
      );
    });
    subClient.on('close', () => this.lostSubscription());
    subClient.on('ready', () => this.subscribeAgain(subClient));
  }

  // Nest logs every error and every reconnect attempt; during an outage that is a line per retry.
  override registerErrorListener(client: Redis): void {
    client.on('error', (error: Error) => {
      // A refused AUTH or SELECT is not retried: saying "retrying" would be wrong.
      if (error instanceof RedisRefusedError) this.log.error(error.message);
      else this.outage.failed(error);
    });
    // A Cluster's node failing (the subscriber's node, say) is a 'node error'.
    client.on('node error', (error: Error, address: string) =>
      this.outage.failed(new Error(`${address}: ${error.message}`)),
    );
  }

  override registerReconnectListener(): void {}

  override registerReadyListener(client: Redis): void {
    client.on('ready', () => this.outage.succeeded());
    // A Cluster whose failed nodes answer again or were failed over.
    if (this.connection.cluster)
      whenNodesAnswer(client as unknown as Cluster, () => this.outage.succeeded());
  }

  override createRetryStrategy(times: number): number | undefined {
    if (this.isManuallyClosed) return undefined;
    return Math.min(100 * 2 ** Math.min(times, 6), MAX_RETRY_DELAY_MS);
  }

  private subscriber(): Redis | undefined {
    return this.subClient as Redis | undefined;
  }

  private lostSubscription(): void {
    if (!this.subscribed || this.isManuallyClosed) return;
    this.subscribed = false;
    this.disconnects++;
    this.log.error(
      `Lost the subscription to ${this.channel} (${this.disconnects} time(s) since start): ` +
        'messages published on it until this instance subscribes again are lost, as pub/sub ' +
        'keeps nothing. Redis cuts off a subscriber that falls behind (client-output-buffer-limit ' +
        'pubsub), or the connection failed. Subscribing again.',
    );
  }

  private subscribeAgain(subClient: Redis): void {
    if (this.subscribed || this.isManuallyClosed) return;
    subClient.subscribe(this.channel).then(
      () => {
        this.subscribed = true;
        if (this.readingPaused) subClient.stream.pause();
        this.log.log(`Subscribed to ${this.channel} again`);
      },
      // The connection failed again: its next 'ready' tries again.
      (error: unknown) => this.outage.failed(error),
    );
  }
}
