import { ClientRedis } from '@nestjs/microservices';
import { defaultOptions } from '../config/default-options';
import { TASK_MESSAGE_PATTERN } from '../delay-task.constants';
import { DelayTaskTransport } from './delay-task.transport';
import { isOversizedMessage } from './oversized-message';
import { ParseOptions, parseTask } from './parse-task';
import {
  IncomingTaskMessage,
  TaskMessageDeserializer,
  isNestEnvelope,
  readTaskMessage,
} from './task-message.deserializer';

const CHANNEL = 'remote-task0:messageQ';
const SEED_TASK = {
  ID: '1000000000123457',
  Name: 'OncePingTask',
  ToRunAt: '1764150030',
  Timeout: '1',
  Url: 'http://www.baidu.com',
};

describe('isNestEnvelope', () => {
  it.each<[string, unknown]>([
    ['pattern and data', { pattern: CHANNEL, data: SEED_TASK }],
    ['pattern, data and id', { pattern: CHANNEL, data: SEED_TASK, id: 'abc' }],
    ['data of any type', { data: 'text', pattern: 'p' }],
    ['null data', { pattern: 'p', data: null }],
    [
      'a null-prototype object',
      Object.assign(Object.create(null) as object, { pattern: 'p', data: 1 }),
    ],
  ])('accepts %s', (_label, value) => {
    expect(isNestEnvelope(value)).toBe(true);
  });

  class Packet {
    pattern = 'p';
    data = 1;
  }
  it.each<[string, unknown]>([
    ['a seed task', SEED_TASK],
    ['a seed task with its own data field', { ...SEED_TASK, data: { a: 1 } }],
    ['a seed task with a pattern field', { ...SEED_TASK, pattern: 'p' }],
    ['pattern and data plus another field', { pattern: 'p', data: 1, Name: 'OncePingTask' }],
    ['pattern, data and id plus another field', { pattern: 'p', data: 1, id: 'x', extra: 1 }],
    ['a non-string pattern', { pattern: { cmd: 'x' }, data: 1 }],
    ['pattern without data', { pattern: 'p' }],
    ['pattern and id without data', { pattern: 'p', id: 'x' }],
    ['data without pattern', { data: 1 }],
    ['data and id without pattern', { data: 1, id: 'x' }],
    ['a class instance', new Packet()],
    ['an array', ['p', 1]],
    ['a string', '{"pattern":"p","data":1}'],
    ['null', null],
  ])('rejects %s', (_label, value) => {
    expect(isNestEnvelope(value)).toBe(false);
  });
});

describe('readTaskMessage', () => {
  const LIMIT = 1024;

  it('keeps a raw seed message whole, with its text as received', () => {
    for (const message of [
      SEED_TASK,
      { ...SEED_TASK, data: { a: 1 } },
      { ...SEED_TASK, pattern: CHANNEL },
      { pattern: CHANNEL, data: 1, id: 'x', Name: 'OncePingTask' },
    ]) {
      const text = JSON.stringify(message, null, 1);
      expect(readTaskMessage(text, LIMIT)).toEqual({ format: 'seed', body: message, text });
    }
  });

  it('unwraps a Nest envelope, keeping the whole envelope text', () => {
    const text = JSON.stringify({ pattern: 'something-else', data: SEED_TASK, id: 'req-1' });
    expect(readTaskMessage(text, LIMIT)).toEqual({ format: 'nest', body: SEED_TASK, text });
  });

  it('keeps numbers JSON.parse cannot hold in the text', () => {
    const text = '{"ID":12345678901234567890,"Name":"OncePingTask","ToRunAt":1e400}';
    const message = readTaskMessage(text, LIMIT);
    expect(message.text).toBe(text);
    expect(message.body).toEqual({
      ID: 12345678901234567000,
      Name: 'OncePingTask',
      ToRunAt: Infinity,
    });
  });

  it('passes text that is not JSON through as the body', () => {
    expect(readTaskMessage('{"ID": 1,', LIMIT)).toEqual({
      format: 'seed',
      body: '{"ID": 1,',
      text: '{"ID": 1,',
    });
  });

  it('passes other JSON values through as seed messages', () => {
    for (const value of [null, 42, true, [SEED_TASK]]) {
      const text = JSON.stringify(value);
      expect(readTaskMessage(text, LIMIT)).toEqual({ format: 'seed', body: value, text });
    }
  });

  it('measures UTF-8 bytes before parsing and marks a message over the limit', () => {
    const text = `{"Url":"${'é'.repeat(600)}"}`; // 1,210 bytes in 610 characters
    const message = readTaskMessage(text, LIMIT);
    expect(message.text).toBe(text);
    expect(isOversizedMessage(message.body)).toBe(true);
    expect(message.body).toMatchObject({ bytes: 1210, limit: LIMIT });
    const atLimit = `"${'x'.repeat(LIMIT - 2)}"`;
    expect(readTaskMessage(atLimit, LIMIT).body).toBe('x'.repeat(LIMIT - 2));
  });
});

describe('TaskMessageDeserializer', () => {
  it('routes every message to the task channel as an event (no id, so no reply)', () => {
    const deserializer = new TaskMessageDeserializer(CHANNEL);
    const message = readTaskMessage(
      JSON.stringify({ pattern: 'other', data: SEED_TASK, id: 'r' }),
      1024,
    );
    const packet = deserializer.deserialize(message);
    expect(packet).toEqual({ pattern: CHANNEL, data: message });
    expect('id' in packet).toBe(false);
  });

  it('gives parseTask the same task from both formats', () => {
    const options: ParseOptions = {
      nowMs: 1764150000000,
      taskType: () => ({}),
      maxPastMs: 3600_000,
      maxFutureMs: 86_400_000,
      minIntervalMs: 50,
      maxTimeoutMs: 86_400_000,
    };
    const seed = readTaskMessage(JSON.stringify(SEED_TASK), 1024);
    const nest = readTaskMessage(JSON.stringify({ pattern: CHANNEL, data: SEED_TASK }), 1024);
    expect(seed.format).toBe('seed');
    expect(nest.format).toBe('nest');
    expect(parseTask(nest, options)).toEqual(parseTask(seed, options));
    expect(parseTask(seed, options).ok).toBe(true);
  });
});

describe('task messages inside the transport (Nest ServerRedis.handleMessage)', () => {
  /** Runs text through handleMessage as a subscriber message would, no Redis needed. */
  async function receive(text: string): Promise<IncomingTaskMessage[]> {
    const transport = new DelayTaskTransport({
      ...defaultOptions(),
      prefix: 'remote-task0:',
      topic: 'messageQ',
      maxMessageBytes: 1024,
    });
    const received: IncomingTaskMessage[] = [];
    transport.addHandler(
      TASK_MESSAGE_PATTERN,
      (data: IncomingTaskMessage) => {
        received.push(data);
        return Promise.resolve();
      },
      true,
    );
    const publish = jest.fn();
    await transport.handleMessage(CHANNEL, text, { publish } as never, CHANNEL);
    expect(publish).not.toHaveBeenCalled(); // an event: no reply is ever published
    return received;
  }

  it('routes a seed message published by the Python client, with its text', async () => {
    const text = JSON.stringify({ ...SEED_TASK, data: 'own field' });
    expect(await receive(text)).toEqual([
      { format: 'seed', body: { ...SEED_TASK, data: 'own field' }, text },
    ]);
  });

  it('routes what ClientRedis.emit publishes, as the nest format', async () => {
    const client = new ClientRedis({});
    const published: Array<[string, string]> = [];
    Object.assign(client, {
      pubClient: {
        publish: (channel: string, message: string, done: (error?: Error) => void) => {
          published.push([channel, message]);
          done();
        },
      },
    });
    await (client as unknown as { dispatchEvent(packet: object): Promise<void> }).dispatchEvent({
      pattern: CHANNEL,
      data: SEED_TASK,
    });
    expect(published).toHaveLength(1);
    expect(published[0][0]).toBe(CHANNEL);
    expect(await receive(published[0][1])).toEqual([
      { format: 'nest', body: SEED_TASK, text: published[0][1] },
    ]);
  });

  it('routes malformed and oversized text, keeping it', async () => {
    expect(await receive('{oops')).toEqual([{ format: 'seed', body: '{oops', text: '{oops' }]);
    const big = `{"Url":"${'x'.repeat(2000)}"}`;
    const [message] = await receive(big);
    expect(message.text).toBe(big);
    expect(isOversizedMessage(message.body)).toBe(true);
  });
});
