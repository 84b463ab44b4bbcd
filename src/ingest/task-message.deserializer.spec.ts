import { ClientRedis, ServerRedis } from '@nestjs/microservices';
import { oversizedMessage } from './oversized-message';
import { ParseOptions, parseTask } from './parse-task';
import {
  IncomingTaskMessage,
  TaskMessageDeserializer,
  isNestEnvelope,
  toTaskMessage,
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

describe('TaskMessageDeserializer', () => {
  const deserializer = new TaskMessageDeserializer(CHANNEL);

  it('unwraps a Nest envelope and never passes its id on', () => {
    const packet = deserializer.deserialize(
      { pattern: 'something-else', data: SEED_TASK, id: 'req-1' },
      { channel: CHANNEL },
    );
    expect(packet).toEqual({ pattern: CHANNEL, data: { format: 'nest', body: SEED_TASK } });
    expect('id' in packet).toBe(false);
    expect('rawText' in packet.data).toBe(false);
  });

  it('keeps a raw seed message whole, even with data or pattern fields', () => {
    for (const message of [
      SEED_TASK,
      { ...SEED_TASK, data: { a: 1 } },
      { ...SEED_TASK, pattern: CHANNEL },
      { pattern: CHANNEL, data: 1, id: 'x', Name: 'OncePingTask' },
    ]) {
      const packet = deserializer.deserialize(message, { channel: CHANNEL });
      expect(packet).toEqual({ pattern: CHANNEL, data: { format: 'seed', body: message } });
      expect(packet.data.body).toBe(message);
    }
  });

  it('passes text that was not JSON through as a seed message', () => {
    expect(deserializer.deserialize('{"ID": 1,', { channel: CHANNEL })).toEqual({
      pattern: CHANNEL,
      data: { format: 'seed', body: '{"ID": 1,', rawText: '{"ID": 1,' },
    });
    expect(toTaskMessage(Buffer.from('not json'))).toEqual({
      format: 'seed',
      body: 'not json',
      rawText: 'not json',
    });
  });

  it('passes other JSON values and the oversized marker through as seed messages', () => {
    const marker = oversizedMessage(2048, 1024, '{"ID":');
    expect(deserializer.deserialize(marker).data).toEqual({ format: 'seed', body: marker });
    expect(deserializer.deserialize(marker).data.body).toBe(marker);
    for (const value of [null, 42, true, [SEED_TASK]]) {
      expect(deserializer.deserialize(value)).toEqual({
        pattern: CHANNEL,
        data: { format: 'seed', body: value },
      });
    }
  });

  it('gives parseTask the same task from both formats', () => {
    const options: ParseOptions = {
      nowMs: 1764150000000,
      generateId: () => 'generated',
      isKnownTask: () => true,
      maxPastMs: 3600_000,
      maxFutureMs: 86_400_000,
      minIntervalMs: 50,
      maxTimeoutMs: 86_400_000,
    };
    const seed = deserializer.deserialize(JSON.parse(JSON.stringify(SEED_TASK)));
    const nest = deserializer.deserialize(
      JSON.parse(JSON.stringify({ pattern: CHANNEL, data: SEED_TASK })),
    );
    expect(seed.data.format).toBe('seed');
    expect(nest.data.format).toBe('nest');
    expect(parseTask(nest.data.body, options)).toEqual(parseTask(seed.data.body, options));
    expect(parseTask(seed.data.body, options).ok).toBe(true);
  });
});

describe('TaskMessageDeserializer inside Nest ServerRedis', () => {
  /** Runs text through ServerRedis.handleMessage as a subscriber message would, no Redis needed. */
  async function receive(text: string): Promise<IncomingTaskMessage[]> {
    const server = new ServerRedis({ deserializer: new TaskMessageDeserializer(CHANNEL) });
    const received: IncomingTaskMessage[] = [];
    server.addHandler(
      CHANNEL,
      (data: IncomingTaskMessage) => {
        received.push(data);
        return Promise.resolve();
      },
      true,
    );
    const publish = jest.fn();
    await server.handleMessage(CHANNEL, text, { publish } as never, CHANNEL);
    expect(publish).not.toHaveBeenCalled(); // an event: no reply is ever published
    return received;
  }

  it('routes a seed message published by the Python client', async () => {
    const text = JSON.stringify({ ...SEED_TASK, data: 'own field' });
    expect(await receive(text)).toEqual([
      { format: 'seed', body: { ...SEED_TASK, data: 'own field' } },
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
    expect(await receive(published[0][1])).toEqual([{ format: 'nest', body: SEED_TASK }]);
  });

  it('routes malformed text', async () => {
    expect(await receive('{oops')).toEqual([{ format: 'seed', body: '{oops', rawText: '{oops' }]);
  });
});
