import { decodeRecord, encodeRecord } from './task-record';
import type { TaskSpec } from './task-spec';

const SPEC: TaskSpec = { id: '1', name: 'GreetTask', timeoutMs: 1000, payload: { guest: 'Ada' } };

describe('encodeRecord', () => {
  it("writes ingest's payloadChecked mark as the record's last key", () => {
    expect(encodeRecord({ ...SPEC, payloadChecked: true })).toBe(
      '{"id":"1","name":"GreetTask","timeoutMs":1000,"payload":{"guest":"Ada"},"payloadChecked":true}',
    );
    expect(encodeRecord(SPEC)).toBe(
      '{"id":"1","name":"GreetTask","timeoutMs":1000,"payload":{"guest":"Ada"}}',
    );
  });
});

describe('decodeRecord', () => {
  it('reads a marked record with its mark, an unmarked one without', () => {
    expect(decodeRecord(encodeRecord({ ...SPEC, payloadChecked: true }))).toEqual({
      ...SPEC,
      payloadChecked: true,
    });
    const unmarked = decodeRecord(encodeRecord(SPEC));
    expect(unmarked).toEqual(SPEC);
    expect(unmarked).not.toHaveProperty('payloadChecked');
  });

  it.each([false, 'true', 1, null, {}])(
    'reads payloadChecked %p as absent (the payload is then checked), never refusing the record',
    (value) => {
      const record = JSON.stringify({ ...SPEC, payloadChecked: value });
      const spec = decodeRecord(record);
      expect(spec).toEqual(SPEC);
      expect(spec).not.toHaveProperty('payloadChecked');
    },
  );

  it('still refuses a record that holds no task', () => {
    expect(decodeRecord('{"id":"1","payload":{}}')).toBeUndefined();
    expect(
      decodeRecord('{"id":"1","name":"x","payload":[],"payloadChecked":true}'),
    ).toBeUndefined();
    expect(decodeRecord('not json')).toBeUndefined();
  });
});
