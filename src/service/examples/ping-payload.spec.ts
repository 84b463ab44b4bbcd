import { parseTask, type ParseResult } from '../../ingest/parse-task';
import {
  DelayTaskHandlerMetadata,
  type DelayTaskMetadata,
  payloadInstance,
  type TaskTypeOptions,
} from '../../tasks/delay-task.decorator';
import { OncePingTask } from './once-ping.task';
import { PeriodPingTask } from './period-ping.task';
import { PingPayload } from './ping-payload';

const NOW = Date.UTC(2026, 10, 26, 12);
const INVALID = 'payload is invalid: Url must be a URL address';

/** The ping types as the registry finds them: by what their @DelayTask decorator stored. */
const TYPES = new Map<string, TaskTypeOptions>(
  [OncePingTask, PeriodPingTask].map((handler) => {
    const { name, options } = Reflect.getMetadata(
      DelayTaskHandlerMetadata.KEY,
      handler,
    ) as DelayTaskMetadata;
    return [name, options];
  }),
);

function parse(Name: string, payload: Record<string, unknown>): ParseResult {
  const every = Name === 'PeriodPingTask' ? { Interval: 60 } : {};
  const message = { ID: '7', Name, ToRunAfter: 5, ...every, ...payload };
  return parseTask(
    { body: message, text: JSON.stringify(message) },
    {
      nowMs: NOW,
      taskType: (name) => TYPES.get(name),
      maxPastMs: 3_600_000,
      maxFutureMs: 86_400_000,
      minIntervalMs: 50,
      maxTimeoutMs: 86_400_000,
    },
  );
}

const reasonOf = (result: ParseResult): string | undefined =>
  result.ok ? undefined : result.reason;

describe('PingPayload, the ping tasks’ payload class', () => {
  it('is the payload class of both ping types', () => {
    expect([...TYPES]).toEqual([
      ['OncePingTask', { payload: PingPayload }],
      ['PeriodPingTask', { payload: PingPayload }],
    ]);
  });

  it.each([
    'http://127.0.0.1:8080/ping?x=1',
    'https://example.com/',
    'http://localhost:3000/a/b',
    'http://internal-host/',
    'http://[::1]:8080/',
  ])('accepts %s: http or https, with or without a TLD', (Url) => {
    for (const name of TYPES.keys()) expect(reasonOf(parse(name, { Url }))).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['another scheme', 'ftp://x'],
    ['a script', 'javascript:alert(1)'],
    ['no scheme', 'example.com/ping'],
    ['a number', 5],
    ['an object', { href: 'http://x/' }],
    ['nothing', undefined],
  ])("rejects %s at ingest with the validator's message", (_, Url) => {
    for (const name of TYPES.keys()) {
      expect(parse(name, { Url })).toEqual({ ok: false, reason: INVALID, id: '7' });
    }
  });

  it('reads the field as the seed does: the exact Url, else any case, the last one winning', () => {
    const good = 'http://127.0.0.1/';
    expect(reasonOf(parse('OncePingTask', { url: good }))).toBeUndefined();
    expect(reasonOf(parse('OncePingTask', { url: 'ftp://x' }))).toBe(INVALID);
    expect(reasonOf(parse('OncePingTask', { URL: 'ftp://x', Url: good }))).toBeUndefined();
    expect(reasonOf(parse('OncePingTask', { Url: 'ftp://x', url: good }))).toBe(INVALID);
    expect(reasonOf(parse('OncePingTask', { url: 'ftp://x', URL: good }))).toBeUndefined();
  });

  it('stores the payload as sent, and hands run() the Url however it was spelled', () => {
    const result = parse('OncePingTask', { url: 'http://127.0.0.1/', note: 1 });
    if (!result.ok) throw new Error(result.reason);
    expect(result.spec.payload).toEqual({ url: 'http://127.0.0.1/', note: 1 });
    const instance = payloadInstance(PingPayload, result.spec.payload);
    expect(instance).toBeInstanceOf(PingPayload);
    expect(instance.Url).toBe('http://127.0.0.1/');
  });
});
