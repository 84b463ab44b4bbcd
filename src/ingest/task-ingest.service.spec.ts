import { Injectable } from '@nestjs/common';
import fc from 'fast-check';
import { advance, tick, useFakeTime } from '../../test/support/fake-time';
import { discoverHandlers } from '../../test/support/discover-handlers';
import { InMemoryTaskStore } from '../../test/support/in-memory-task-store';
import { captureNestLogs } from '../../test/support/log-capture';
import { likelyTaskText, messageText, NOW } from '../../test/support/message-arbitraries';
import { alignedScheduler } from '../../test/support/scheduler-parts';
import { standIn } from '../../test/support/stand-in';
import { defaultOptions } from '../config/default-options';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import type { Claim } from '../domain/claim';
import { decodeRecord } from '../domain/task-record';
import type { ServerClock } from '../scheduler/server-clock';
import type { WheelDriver } from '../scheduler/wheel-driver.service';
import { DelayTaskHandler } from '../tasks/delay-task-handler';
import { DelayTask } from '../tasks/delay-task.decorator';
import { TaskRegistry } from '../tasks/task-registry';
import type { DelayTaskTransport } from './delay-task.transport';
import { TaskIngestService } from './task-ingest.service';
import { readTaskMessage, type IncomingTaskMessage } from './task-message.deserializer';

const ME = 'instance-under-test';
/** The arrival time the generated messages' times are relative to. */
const T0 = NOW;
const CHANNEL = 'remote-task0:messageQ';
const OUTAGE = 'connect ECONNREFUSED 127.0.0.1:6379 (fake outage)';
/** TaskIngestService's pace of retries while Redis refuses. */
const RETRY_MS = 200;

useFakeTime(T0);
const logs = captureNestLogs();

/** The task types the generated messages name (ingest only checks that they are registered). */
@DelayTask('OncePingTask')
@Injectable()
class OncePingTask extends DelayTaskHandler {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

@DelayTask('PeriodPingTask')
@Injectable()
class PeriodPingTask extends DelayTaskHandler {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

/** The wheel driver as ingest sees it: where claims go, and whether it wants them now. */
class RecordingDriver {
  wants = true;
  readonly takes: { nowMs: number; claims: Claim[] }[] = [];

  wantsClaims(): boolean {
    return this.wants;
  }

  take(nowMs: number, claims: readonly Claim[]): void {
    this.takes.push({ nowMs, claims: [...claims] });
  }
}

/** The transport as ingest sees it: a switch for reading the channel. */
class RecordingTransport {
  readonly switches: ('pause' | 'resume')[] = [];

  pauseReading(): void {
    this.switches.push('pause');
  }

  resumeReading(): void {
    this.switches.push('resume');
  }
}

/** Ingest on the in-memory store, with the ping task names registered. */
class Harness {
  readonly driver = new RecordingDriver();
  readonly transport = new RecordingTransport();
  readonly service: TaskIngestService;

  private constructor(
    readonly options: DelayTaskOptions,
    readonly store: InMemoryTaskStore,
    clock: ServerClock,
    registry: TaskRegistry,
    private readonly redis: { aheadMs: number },
  ) {
    this.service = new TaskIngestService(
      options,
      store.asTaskStore(),
      clock,
      registry,
      standIn<WheelDriver, 'take' | 'wantsClaims'>(this.driver),
      standIn<DelayTaskTransport, 'pauseReading' | 'resumeReading'>(this.transport),
    );
  }

  /** `redisAheadMs`: how far Redis's clock is ahead of the host's (the fake Date.now). */
  static async create(
    setup: { options?: Partial<DelayTaskOptions>; redisAheadMs?: number } = {},
  ): Promise<Harness> {
    const options = { ...defaultOptions(), instanceId: ME, ...setup.options };
    const redis = { aheadMs: setup.redisAheadMs ?? 0 };
    const store = new InMemoryTaskStore({
      leaseMs: options.leaseMs,
      now: () => Date.now() + redis.aheadMs,
    });
    const { clock } = await alignedScheduler(store);
    const app = await discoverHandlers([OncePingTask, PeriodPingTask], logs);
    return new Harness(options, store, clock, app.get(TaskRegistry), redis);
  }

  /** From now on Redis's clock reads `ms` ahead of the one ingest's clock aligned to at start. */
  set redisAheadMs(ms: number) {
    this.redis.aheadMs = ms;
  }

  redisNow(): number {
    return Date.now() + this.redis.aheadMs;
  }

  /** A text as the transport reads it off the channel. */
  message(text: string): IncomingTaskMessage {
    return readTaskMessage(text, this.options.maxMessageBytes);
  }

  submit(...texts: string[]): void {
    for (const text of texts) this.service.submit(this.message(text));
  }

  /** The items of each acceptTasks call, by ID. */
  acceptedIds(): string[][] {
    return this.store.callsOf('acceptTasks').map(({ items }) => items.map(({ id }) => id));
  }
}

/** A seed message of a once task, due `inS` seconds after arrival, with extra fields. */
function task(id: string, inS = 60, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ID: id, Name: 'OncePingTask', ToRunAfter: inS, ...extra });
}

describe('TaskIngestService', () => {
  describe('valid messages', () => {
    it('are stored together: one acceptTasks call per event-loop turn', async () => {
      const h = await Harness.create();
      h.submit(task('1'), task('2'), task('3'));
      await Promise.resolve();
      expect(h.acceptedIds()).toEqual([]);

      await tick();
      expect(h.acceptedIds()).toEqual([['1', '2', '3']]);
      h.submit(task('4'));
      await tick();
      expect(h.acceptedIds()).toEqual([['1', '2', '3'], ['4']]);
      expect(h.store.callsOf('acceptTasks')[0]).toMatchObject({
        owner: ME,
        windowMs: h.options.windowMs,
        leaseMs: h.options.leaseMs,
      });
    });

    it('are stored in calls of at most 1000 tasks', async () => {
      const h = await Harness.create();
      h.submit(...Array.from({ length: 2500 }, (_, i) => task(String(i))));
      await tick();
      expect(h.acceptedIds().map((ids) => ids.length)).toEqual([1000, 1000, 500]);
      await expect(h.store.counts()).resolves.toMatchObject({ tasks: 2500 });
    });

    it('are stored with their record, due time and period', async () => {
      const h = await Harness.create();
      const endTime = T0 / 1000 + 3600;
      h.submit(task('7', 90, { Interval: 30, EndTime: endTime, Url: 'http://x/' }));
      await tick();

      const [item] = h.store.callsOf('acceptTasks')[0].items;
      expect(item).toMatchObject({
        id: '7',
        dueMs: T0 + 90_000,
        period: { intervalMs: 30_000, endTimeMs: T0 + 3_600_000 },
      });
      expect(decodeRecord(item.record)).toMatchObject({
        id: '7',
        name: 'OncePingTask',
        toRunAfterMs: 90_000,
        intervalMs: 30_000,
        endTimeMs: T0 + 3_600_000,
        payload: { Url: 'http://x/' },
      });
      expect(h.store.recordOf('7')).toBe(item.record);
    });

    it.each([
      { redis: '2 h ahead of', redisAheadMs: 2 * 3_600_000 },
      { redis: '2 h behind', redisAheadMs: -2 * 3_600_000 },
    ])('are placed in time by the Redis clock, $redis the host’s', async ({ redisAheadMs }) => {
      const h = await Harness.create({ redisAheadMs });
      const redisNow = h.redisNow();
      const halfHourAgo = redisNow / 1000 - 1800;
      h.submit(
        task('after'),
        JSON.stringify({ ID: 'at', Name: 'OncePingTask', ToRunAt: halfHourAgo }),
      );
      await tick();

      // 30 min late is within DELAYTASK_MAX_PAST_MS (1 h) by Redis time, whatever the host says:
      // accepted, to run at once.
      const items = h.store.callsOf('acceptTasks')[0].items;
      expect(items.map(({ id, dueMs }) => ({ id, dueMs }))).toEqual([
        { id: 'after', dueMs: redisNow + 60_000 },
        { id: 'at', dueMs: redisNow },
      ]);
    });
  });

  describe('claims', () => {
    it('of tasks due within the window go to the wheel driver, with the Redis time of the reply', async () => {
      const h = await Harness.create();
      // The reply's time is Redis's, which may have moved on from the clock's (a failover).
      h.redisAheadMs = 3000;
      const fiveSecondsAgo = T0 / 1000 - 5;
      h.submit(
        task('soon', 1),
        task('later', 60),
        JSON.stringify({ ID: 'late', Name: 'OncePingTask', ToRunAt: fiveSecondsAgo }),
      );
      await tick();

      const { token: soon } = h.store.leaseOf('soon') ?? {};
      const { token: late } = h.store.leaseOf('late') ?? {};
      expect(h.driver.takes).toEqual([
        {
          nowMs: T0 + 3000,
          claims: [
            { id: 'soon', dueMs: T0 + 1000, token: soon },
            { id: 'late', dueMs: T0, token: late },
          ],
        },
      ]);
      expect(h.store.leaseOf('soon')?.owner).toBe(ME);
      expect(h.store.dueIds()).toEqual(['later']);
    });

    it('are not made while the driver wants none (stopping, or no room): every task waits in Redis for any instance', async () => {
      const h = await Harness.create();
      h.driver.wants = false;
      h.submit(task('soon', 1), task('later', 60));
      await tick();

      expect(h.store.callsOf('acceptTasks')[0].windowMs).toBeNull();
      expect(h.driver.takes).toEqual([{ nowMs: T0, claims: [] }]);
      expect(h.store.dueIds()).toEqual(['soon', 'later']);
    });
  });

  describe('rejected messages', () => {
    /** Messages parseTask rejects, the gist of its reason, and the ID it finds (if any). */
    const rejected: { text: string; reason: RegExp; id?: string }[] = [
      { text: '{"ID":"1","Name":"OncePingTask",', reason: /malformed JSON/ },
      { text: JSON.stringify({ ID: '2', Name: 'NoSuchTask' }), reason: /NoSuchTask/, id: '2' },
      {
        text: JSON.stringify({ ID: '3', name: 'OncePingTask' }),
        reason: /Name is missing.*"name"/,
        id: '3',
      },
      { text: '[1,2,3]', reason: /JSON object/ },
      {
        text: JSON.stringify({ ID: '4', Name: 'OncePingTask', ToRunAt: T0 / 1000 - 7200 }),
        reason: /2h in the past/,
        id: '4',
      },
      { text: task('5', 60, { Url: 'x'.repeat(2000) }), reason: /exceeds the limit of 1024 bytes/ },
    ];

    it('are dead-lettered with their reason and text as received, each logged once', async () => {
      const h = await Harness.create({ options: { maxMessageBytes: 1024 } });
      h.submit(task('ok-1'), ...rejected.map(({ text }) => text), task('ok-2'));
      await tick();

      // Ingest carries parseTask's reason and the ID it found; their wording is parseTask's.
      const newestFirst = [...rejected].reverse();
      expect(h.store.deadLetters()).toEqual(
        newestFirst.map(({ text, reason, id }) => ({
          at: new Date(T0).toISOString(),
          reason: expect.stringMatching(reason) as unknown,
          ...(id === undefined ? {} : { id }),
          format: 'seed',
          message: text,
        })),
      );
      expect(h.acceptedIds()).toEqual([['ok-1', 'ok-2']]);
      const warnings = logs.of(TaskIngestService.name, 'warn');
      expect(warnings).toHaveLength(rejected.length);
      expect(warnings[1]).toMatch(/^Rejected task 2 \(seed format\): .*NoSuchTask.*; message: /);
      expect(h.store.callsOf('keepDeadLetter')[0]).toMatchObject({
        maxCount: h.options.deadLetterMax,
        maxBytes: h.options.deadLetterMaxBytes,
      });
    });

    it('never make it throw, whatever arrives; every message is stored or dead-lettered', async () => {
      const h = await Harness.create({ options: { maxMessageBytes: 4096 } });
      // Generated texts of every kind, and mostly valid tasks (most of those are rejected too).
      const texts = [messageText, likelyTaskText].flatMap((texts) =>
        fc.sample(texts, { numRuns: 400, seed: 8 }),
      );
      for (const text of texts) expect(() => h.submit(text)).not.toThrow();
      await tick();

      const stored = h.acceptedIds().flat().length;
      const dead = h.store.deadLetters().length;
      expect(stored + dead).toBe(texts.length);
      // The sample holds both kinds, or it would prove little.
      expect(Math.min(stored, dead)).toBeGreaterThan(10);
    });
  });

  describe('while Redis does not take what waits', () => {
    /** A message whose stored record takes 8 KiB or so. */
    const bulky = (id: string): string => task(id, 60, { Url: 'x'.repeat(8000) });

    it('stops reading the channel past the ingest buffer, and reads again below half of it', async () => {
      const h = await Harness.create({ options: { ingestBufferBytes: 64 * 1024 } });
      h.store.setLink('paused');
      h.submit(...['1', '2', '3', '4', '5', '6', '7'].map(bulky));
      expect(h.transport.switches).toEqual([]);

      h.submit(...['8', '9', '10', '11'].map(bulky));
      expect(h.transport.switches).toEqual(['pause']);
      expect(logs.of(TaskIngestService.name, 'error')).toEqual([
        expect.stringMatching(
          new RegExp(`^Stopped reading ${CHANNEL}: .* \\(DELAYTASK_INGEST_BUFFER_BYTES\\)\\.`),
        ),
      ]);

      h.store.resume();
      await tick();
      expect(h.transport.switches).toEqual(['pause', 'resume']);
      expect(h.acceptedIds().flat()).toHaveLength(11);
      await advance(5000);
      expect(logs.of(TaskIngestService.name, 'log')).toEqual([
        expect.stringMatching(new RegExp(`^Reading ${CHANNEL} steadily again, after 1 pause`)),
      ]);
    });

    it('keeps accepted tasks and retries until they are stored; the outage is logged once, and its end', async () => {
      const h = await Harness.create();
      h.store.setLink('down');
      h.submit(task('1'), task('2'));
      await advance(5 * RETRY_MS);
      h.submit(task('3'));
      await advance(5 * RETRY_MS);

      const attempts = h.store.callsOf('acceptTasks');
      // Every RETRY_MS, the task that came meanwhile joining the batch.
      expect(attempts.map(({ at }) => at - T0)).toEqual(
        Array.from({ length: 11 }, (_, i) => i * RETRY_MS),
      );
      expect(attempts.map(({ items }) => items.length)).toEqual([2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
      expect(logs.of(TaskIngestService.name)).toEqual([
        `Cannot store accepted tasks in Redis (retrying with backoff): ${OUTAGE}. 2 accepted ` +
          "task(s) wait in this process's memory until Redis takes them; they are lost if it " +
          'stops first',
      ]);
      expect(logs.lines.find(({ message }) => message.startsWith('Cannot store'))?.level).toBe(
        'error',
      );

      h.store.resume();
      await advance(RETRY_MS);
      expect(h.acceptedIds().at(-1)).toEqual(['1', '2', '3']);
      expect(h.store.dueIds()).toEqual(['1', '2', '3']);
      expect(logs.of(TaskIngestService.name, 'log')).toEqual([
        'Can store accepted tasks in Redis again',
      ]);
      await advance(10 * RETRY_MS);
      expect(h.store.callsOf('acceptTasks')).toHaveLength(attempts.length + 1);
    });

    it('keeps dead letters and retries them too; that outage is a warning', async () => {
      const h = await Harness.create();
      h.store.setLink('down');
      h.submit('not json');
      await advance(5 * RETRY_MS);
      expect(logs.of(TaskIngestService.name, 'warn')).toEqual([
        expect.stringMatching(/^Rejected a task \(seed format\): /),
        `Cannot keep rejected messages in the dead-letter list (retrying with backoff): ${OUTAGE}`,
      ]);

      h.store.resume();
      await advance(RETRY_MS);
      expect(h.store.deadLetters().map(({ message }) => message)).toEqual(['not json']);
      expect(logs.of(TaskIngestService.name, 'log')).toEqual([
        'Can keep rejected messages in the dead-letter list again',
      ]);
    });
  });
});
