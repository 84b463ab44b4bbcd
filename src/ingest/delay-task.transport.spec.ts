import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { ServerRedis } from '@nestjs/microservices';
import type { Redis, RedisOptions } from 'ioredis';
import { captureNestLogs } from '../../test/support/log-capture';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { TASK_MESSAGE_PATTERN } from '../delay-task.constants';
import { DelayTaskTransport } from './delay-task.transport';
import { isOversizedMessage } from './oversized-message';

/**
 * What the transport decides on its own, checked without a Redis server: where the task handler
 * is routed, how a message is read, how it reconnects, how reading is switched off and on.
 * What needs a subscriber on a real server (subscribing again after a cut, the pause carried
 * over to the new connection, refused AUTH) is in test/e2e/ingest-limits.e2e-spec.ts and
 * test/e2e/redis-connection.e2e-spec.ts.
 */

const CHANNEL = 'app-7:jobs';
const MAX_MESSAGE_BYTES = 1024;
const logs = captureNestLogs();

/** The transport, with the hooks Nest itself calls reachable (they are protected). */
class TransportUnderTest extends DelayTaskTransport {
  /** ioredis options as listen() gives them to each of its two clients. */
  clientOptions(): RedisOptions {
    return this.getClientOptions() as RedisOptions;
  }

  /** The subscriber client as listen() makes it (lazy: it connects when told). */
  makeSubscriber(): Redis {
    const client = this.createRedisClient();
    this.subClient = client;
    return client;
  }
}

/** Nest's own Redis server, to compare routes with. */
class NestServerRedis extends ServerRedis {
  route(pattern: string): string {
    return this.getRouteFromPattern(pattern);
  }
}

function transport(options: Partial<DelayTaskOptions> = {}): TransportUnderTest {
  return new TransportUnderTest({
    ...defaultOptions(),
    prefix: 'app-7:',
    topic: 'jobs',
    maxMessageBytes: MAX_MESSAGE_BYTES,
    ...options,
  });
}

const handler = () => Promise.resolve();

describe('DelayTaskTransport', () => {
  describe('the task handler’s pattern', () => {
    it('is mapped to the configured channel, prefix and topic', () => {
      const t = transport();
      t.addHandler(TASK_MESSAGE_PATTERN, handler, true);

      expect([...t.getHandlers().keys()]).toEqual([CHANNEL]);
      expect(t.getHandlerByPattern(CHANNEL)).toBe(handler);
      expect(t.getHandlerByPattern(TASK_MESSAGE_PATTERN)).toBeNull();
    });

    it('is the only one mapped: other patterns stay as they were declared', () => {
      const t = transport();
      const other = () => Promise.resolve();
      t.addHandler('reports', other, true);
      t.addHandler({ cmd: 'sum' }, other, false);

      expect([...t.getHandlers().keys()]).toEqual(['reports', '{"cmd":"sum"}']);
    });
  });

  describe('getRouteFromPattern', () => {
    afterEach(() => jest.restoreAllMocks());

    it('routes the channel as it is, without trying JSON.parse on it', () => {
      const t = transport();
      const parse = jest.spyOn(JSON, 'parse');
      expect(t.getRouteFromPattern(CHANNEL)).toBe(CHANNEL);
      expect(parse).not.toHaveBeenCalled();
    });

    it.each(['reports', '{"cmd":"sum"}', '{"b":1,"a":"x"}'])(
      'routes %s as Nest does',
      (pattern) => {
        expect(transport().getRouteFromPattern(pattern)).toBe(
          new NestServerRedis({}).route(pattern),
        );
      },
    );
  });

  describe('parseMessage', () => {
    afterEach(() => jest.restoreAllMocks());

    it('measures a message against DELAYTASK_MAX_MESSAGE_BYTES before parsing it', () => {
      const t = transport();
      const parse = jest.spyOn(JSON, 'parse');
      // 343 characters, 1,025 bytes: € takes 3 bytes in UTF-8.
      const text = `"${'€'.repeat(341)}"`;

      const message = t.parseMessage(text);
      expect(parse).not.toHaveBeenCalled();
      expect(isOversizedMessage(message.body)).toBe(true);
      expect(message).toMatchObject({
        format: 'seed',
        text,
        body: { bytes: 1025, limit: MAX_MESSAGE_BYTES },
      });
    });

    it('parses a message of exactly that size, keeping its text', () => {
      const t = transport();
      const text = `"${'x'.repeat(MAX_MESSAGE_BYTES - 2)}"`;
      expect(t.parseMessage(text)).toEqual({ format: 'seed', body: 'x'.repeat(1022), text });
    });

    it('takes the limit from the options', () => {
      const text = JSON.stringify({ Name: 'OncePingTask', Url: 'x'.repeat(600) });
      expect(isOversizedMessage(transport().parseMessage(text).body)).toBe(false);
      const strict = transport({ maxMessageBytes: 256 });
      expect(isOversizedMessage(strict.parseMessage(text).body)).toBe(true);
    });
  });

  describe('reconnecting', () => {
    it('backs off from 200 ms to at most 1 s, and never gives up while open', () => {
      const t = transport();
      const delays = [1, 2, 3, 4, 5, 6, 7, 100, 10_000].map((times) =>
        t.createRetryStrategy(times),
      );
      expect(delays).toEqual([200, 400, 800, 1000, 1000, 1000, 1000, 1000, 1000]);
    });

    it('gives ioredis that strategy, and leaves subscribing again to the transport', () => {
      const options = transport().clientOptions();
      expect([1, 3, 50].map((times) => options.retryStrategy?.(times))).toEqual([200, 800, 1000]);
      expect(options.autoResubscribe).toBe(false);
    });

    it('stops once closed', async () => {
      const t = transport();
      await t.close();
      expect(t.createRetryStrategy(1)).toBeUndefined();
      expect(t.clientOptions().retryStrategy?.(1)).toBeUndefined();
    });
  });

  describe('pausing the reading of the channel', () => {
    /** A TCP server that reads what it is sent and never answers: a real socket, no Redis. */
    let silent: Server;
    const accepted: Socket[] = [];

    beforeAll(async () => {
      silent = createServer((socket) => {
        accepted.push(socket);
        socket.resume();
      });
      silent.listen(0, '127.0.0.1');
      await once(silent, 'listening');
    });
    afterAll(async () => {
      for (const socket of accepted) socket.destroy();
      silent.close();
      await once(silent, 'close');
    });

    /**
     * Disconnects a client whose ready check is unanswered. ioredis then fails the check and
     * disconnects once more, leaving a 2 s timer that would only destroy the closed socket again
     * (and keep Jest waiting): made while timers are fake, it is dropped with them.
     */
    async function disconnect(client: Redis): Promise<void> {
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
      try {
        client.disconnect();
        await once(client, 'end');
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        jest.useRealTimers();
      }
    }

    function silentUrl(): string {
      const address = silent.address();
      if (address === null || typeof address === 'string') throw new Error('no TCP address');
      return `redis://127.0.0.1:${address.port}`;
    }

    it('pauses and resumes the subscriber’s socket', async () => {
      const t = transport({ redisUrl: silentUrl() });
      const subscriber = t.makeSubscriber();
      // No ready check will ever be answered: only the socket is wanted.
      subscriber.connect().catch(() => undefined);
      await once(subscriber, 'connect');
      try {
        expect(subscriber.stream.isPaused()).toBe(false);
        t.pauseReading();
        expect(subscriber.stream.isPaused()).toBe(true);
        t.resumeReading();
        expect(subscriber.stream.isPaused()).toBe(false);
      } finally {
        await disconnect(subscriber);
      }
    });

    it('is a no-op before there is a subscriber', () => {
      const t = transport();
      expect(() => {
        t.pauseReading();
        t.resumeReading();
      }).not.toThrow();
      expect(logs.lines).toEqual([]);
    });
  });
});
