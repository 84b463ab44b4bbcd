import Redis from 'ioredis';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';
import { newTaskId } from '../support/workload';

/**
 * Hostile and unusual input (issue 7) against a fleet of three instances of the built service on
 * a real redis-server: whatever a message holds, every instance keeps running, rejects it with a
 * reason, keeps its text as received, and logs it on one escaped line.
 */
jest.setTimeout(60_000);

const PREFIX = 'ingest-e2e:';
const CHANNEL = `${PREFIX}messageQ`;
const DEAD = `{${PREFIX}}dead`;
const INSTANCES = 3;

interface DeadLetter {
  reason: string;
  id?: string;
  bytes?: number;
  truncated?: boolean;
  message: string;
}

describe('ingest of hostile input (three instances, real redis-server)', () => {
  let redisServer: RedisServerProcess;
  let redis: Redis;
  let ping: PingServer;
  let fleet: ServiceProcess[] = [];

  beforeAll(async () => {
    redisServer = await RedisServerProcess.start();
    redis = new Redis(redisServer.url);
    ping = new PingServer();
    await ping.start();
    fleet = Array.from(
      { length: INSTANCES },
      (_, i) =>
        new ServiceProcess({
          REDIS_URL: redisServer.url,
          DELAYTASK_PREFIX: PREFIX,
          DELAYTASK_INSTANCE_ID: `ingest${i}`,
        }),
    );
    await Promise.all(fleet.map((instance) => instance.start()));
  });

  afterAll(async () => {
    await Promise.all(fleet.map((instance) => instance.stop()));
    redis?.disconnect();
    await ping?.stop();
    await redisServer?.dispose();
  });

  const onceTask = (id: string, dueMs: number): string =>
    JSON.stringify({
      ID: id,
      Name: 'OncePingTask',
      ToRunAt: unixSeconds(dueMs),
      Url: ping.url(id),
    });

  /** Dead-letter entries whose message text is `text`, once every instance has kept one. */
  async function deadLettersOf(text: string): Promise<DeadLetter[]> {
    let found: DeadLetter[] = [];
    await eventually(
      async () => {
        const entries = (await redis.lrange(DEAD, 0, -1)).map(
          (entry) => JSON.parse(entry) as DeadLetter,
        );
        found = entries.filter((entry) => entry.message === text);
        return found.length === INSTANCES;
      },
      `the dead-letter entries of ${text.slice(0, 60)}…`,
    );
    return found;
  }

  it('survives a message nested 20,000 levels deep, keeps it whole with a depth reason, and runs the next task', async () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const texts = ['NoSuchTask', 'OncePingTask'].map(
      (name) => `{"ID":"${newTaskId()}","Name":"${name}","ToRunAfter":"0","Url":${deep}}`,
    );
    await publishRaw(redis, CHANNEL, texts);
    for (const text of texts) {
      for (const entry of await deadLettersOf(text)) {
        expect(entry.reason).toBe('message is nested more than 64 levels deep');
      }
    }
    const id = newTaskId();
    await publishRaw(redis, CHANNEL, [onceTask(id, Date.now() + 300)]);
    await eventually(() => ping.count(id) === 1, `task ${id} after the deep messages`);
    expect(fleet.every((instance) => instance.running)).toBe(true);
  });

  it('keeps 1e400 and a 20-digit numeric ID in the dead-letter list as they were sent', async () => {
    const texts = [
      `{"ID":12345678901234567890,"Name":"OncePingTask","ToRunAfter":"1","Url":"x"}`,
      `{"ID":"${newTaskId()}","Name":"OncePingTask","ToRunAt":1e400,"Url":"x"}`,
    ];
    await publishRaw(redis, CHANNEL, texts);
    const [unsafeId] = await deadLettersOf(texts[0]);
    expect(unsafeId.reason).toMatch(/^ID 12345678901234567000 is not a safe integer/);
    const [infinite] = await deadLettersOf(texts[1]);
    expect(infinite.reason).toBe('ToRunAt Infinity is not a finite number');
  });

  it('keeps at most 64 KiB of a message that JSON-escaping would blow up sixfold', async () => {
    const controls = '\u0001'.repeat(64 * 1024);
    await publishRaw(redis, CHANNEL, [controls]);
    let entries: string[] = [];
    await eventually(async () => {
      entries = (await redis.lrange(DEAD, 0, -1)).filter((entry) => entry.includes('\\u0001'));
      return entries.length === INSTANCES;
    }, 'the dead-letter entries of the control characters');
    for (const entry of entries) {
      expect(Buffer.byteLength(entry)).toBeLessThanOrEqual(64 * 1024);
      const { bytes, truncated, message } = JSON.parse(entry) as DeadLetter;
      expect({ bytes, truncated }).toEqual({ bytes: 64 * 1024, truncated: true });
      expect(controls.startsWith(message)).toBe(true);
    }
  });

  it('runs a task sent without ID once, however many instances hear it', async () => {
    const keys = Array.from({ length: 30 }, () => `idless-${newTaskId()}`);
    const dueMs = Date.now() + 1500;
    await publishRaw(
      redis,
      CHANNEL,
      keys.map((key) =>
        JSON.stringify({ Name: 'OncePingTask', ToRunAt: unixSeconds(dueMs), Url: ping.url(key) }),
      ),
    );
    await eventually(() => keys.every((key) => ping.count(key) >= 1), 'every ID-less task to run');
    // Runs of a second or third copy would be due at the same time: give them a while to show.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(keys.map((key) => ping.count(key))).toEqual(keys.map(() => 1));
  });

  it('logs outside text escaped, so it can neither forge a line nor drive the terminal', async () => {
    const forged = 'not json\n[Nest] 999  - FORGED LOG LINE \u001b[2J\u2028end';
    await publishRaw(redis, CHANNEL, [forged]);
    await deadLettersOf(forged);
    for (const instance of fleet) {
      await instance.waitForLog(/FORGED LOG LINE/);
      expect(instance.logs).toContain(
        'message: not json\\n[Nest] 999  - FORGED LOG LINE \\u001b[2J\\u2028end',
      );
      expect(instance.logs).not.toMatch(/^\[Nest\] 999 {2}- FORGED/m);
      expect(instance.logs).not.toContain('\u001b');
      expect(instance.logs).not.toContain('\u2028');
    }
  });

  it('reads the known fields in any case, as the seed does (Name aside)', async () => {
    const id = newTaskId();
    const dueMs = Date.now() + 500;
    await publishRaw(redis, CHANNEL, [
      JSON.stringify({
        Name: 'OncePingTask',
        id,
        toRunAt: unixSeconds(dueMs),
        TIMEOUT: '2',
        url: ping.url(id),
      }),
    ]);
    await eventually(() => ping.count(id) === 1, `task ${id} sent with lower-case field names`);
    expect(ping.hits.find((hit) => hit.key === id)!.at).toBeGreaterThanOrEqual(dueMs);
  });
});
