import { Logger } from '@nestjs/common';
import { MessageHandler, ServerRedis } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { DelayTaskOptions } from '../config/delay-task-options.interface';
import { redisOptionsFromUrl } from '../config/redis-url';
import { TASK_MESSAGE_PATTERN } from '../delay-task.constants';
import { OutageLog } from '../store/outage-log';
import { oversizedMessage } from './oversized-message';
import { TaskMessageDeserializer } from './task-message.deserializer';

// Short: while the subscriber reconnects nobody hears the channel, and pub/sub keeps nothing.
const MAX_RETRY_DELAY_MS = 1000;

/**
 * Nest's Redis transport, set to our channel: it subscribes to `<prefix><topic>` (whatever pattern
 * the handler was declared with), measures each message before parsing it, tells seed JSON from
 * Nest envelopes, resolves `listen` only once subscribed, and reconnects for ever with backoff.
 */
export class DelayTaskTransport extends ServerRedis {
  private readonly channel: string;
  private readonly maxMessageBytes: number;
  private readonly log = new Logger(DelayTaskTransport.name);
  private readonly outage = new OutageLog(this.log, 'reach Redis for the task channel');

  constructor(options: DelayTaskOptions) {
    const channel = options.prefix + options.topic;
    super({
      ...redisOptionsFromUrl(options.redisUrl),
      deserializer: new TaskMessageDeserializer(channel),
    });
    this.channel = channel;
    this.maxMessageBytes = options.maxMessageBytes;
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

  override parseMessage(content: string): ReturnType<ServerRedis['parseMessage']> {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit: most messages skip the exact count.
    if (content.length * 3 > this.maxMessageBytes) {
      const bytes = Buffer.byteLength(content);
      if (bytes > this.maxMessageBytes)
        return oversizedMessage(bytes, this.maxMessageBytes, content);
    }
    return super.parseMessage(content);
  }

  override start(callback: (error?: unknown) => void): void {
    // Nest types its Redis clients as `any`; they are ioredis clients.
    const [subClient, pubClient] = [this.subClient as Redis, this.pubClient as Redis];
    Promise.all([subClient.connect(), pubClient.connect()])
      .then(async () => {
        this.bindEvents(subClient, pubClient);
        await subClient.subscribe(this.channel);
        this.log.log(`Subscribed to ${this.channel}`);
        callback();
      })
      .catch(callback);
  }

  override bindEvents(subClient: Redis, pubClient: Redis): void {
    subClient.on('message', (channel: string, message: string) => {
      void this.handleMessage(channel, message, pubClient, channel);
    });
  }

  // Nest logs every error and every reconnect attempt; during an outage that is a line per retry.
  override registerErrorListener(client: Redis): void {
    client.on('error', (error: Error) => this.outage.failed(error));
  }

  override registerReconnectListener(): void {}

  override registerReadyListener(client: Redis): void {
    client.on('ready', () => this.outage.succeeded());
  }

  override createRetryStrategy(times: number): number | undefined {
    if (this.isManuallyClosed) return undefined;
    return Math.min(100 * 2 ** Math.min(times, 6), MAX_RETRY_DELAY_MS);
  }
}
