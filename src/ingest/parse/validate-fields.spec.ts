import type { SentFields } from './message-fields';
import { Rejection } from './rejection';
import { type FieldRules, validateFields } from './validate-fields';

const RULES: FieldRules = {
  taskType: (name) => (name === 'PeriodPingTask' ? {} : undefined),
  minIntervalMs: 50,
  maxTimeoutMs: 86_400_000,
};

function sent(fields: Partial<SentFields>): SentFields {
  return {
    id: '42',
    name: 'PeriodPingTask',
    toRunAt: undefined,
    toRunAfter: '10',
    timeout: undefined,
    interval: undefined,
    endTime: undefined,
    retries: undefined,
    retryDelay: undefined,
    cron: undefined,
    timeZone: undefined,
    dstRepeated: undefined,
    dstSkipped: undefined,
    catchUp: undefined,
    catchUpMax: undefined,
    overlap: undefined,
    jitter: undefined,
    maxLateness: undefined,
    nameMisspellings: [],
    payload: {},
    ...fields,
  };
}

describe('validateFields', () => {
  it('gives every field in milliseconds, absent ones undefined', () => {
    expect(
      validateFields(
        sent({ toRunAt: '1764158400.25', interval: '0.5', endTime: 1764158500 }),
        RULES,
      ),
    ).toEqual({
      id: '42',
      name: 'PeriodPingTask',
      start: { toRunAtMs: 1764158400250 },
      timeoutMs: undefined,
      intervalMs: 500,
      endTimeMs: 1764158500000,
      retries: undefined,
      retryDelayMs: undefined,
      schedule: {},
      payloadClass: undefined,
    });
  });

  it('starts after a delay only when ToRunAt is absent', () => {
    expect(validateFields(sent({ timeout: 2 }), RULES)).toMatchObject({
      start: { toRunAfterMs: 10_000 },
      timeoutMs: 2000,
    });
    const fields = validateFields(sent({ toRunAt: 1764158400 }), RULES);
    expect(fields).toMatchObject({ start: { toRunAtMs: 1764158400000 } });
    expect(fields instanceof Rejection || 'toRunAfterMs' in fields.start).toBe(false);
  });

  it('names the task in a rejection once its ID is valid, not before', () => {
    expect(validateFields(sent({ timeout: 0 }), RULES)).toEqual(
      new Rejection('Timeout 0 must be greater than 0', '42'),
    );
    expect(validateFields(sent({ id: 'a b', timeout: 0 }), RULES)).toEqual(
      new Rejection('ID "a b" contains whitespace or control characters'),
    );
  });

  it('checks the configured bounds', () => {
    expect(validateFields(sent({ interval: '0.049' }), RULES)).toEqual(
      new Rejection('Interval "0.049" is below the minimum of 50ms', '42'),
    );
    expect(validateFields(sent({ name: 'OncePingTask' }), RULES)).toEqual(
      new Rejection('unknown task name "OncePingTask"', '42'),
    );
  });
});
