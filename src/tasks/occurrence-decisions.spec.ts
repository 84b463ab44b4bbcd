import { encodeRecord } from '../domain/task-record';
import type { TaskSpec } from '../domain/task-spec';
import { occurrenceTask } from './occurrence-decisions';

describe('occurrenceTask (an Overlap allowAll occurrence handed off as a task of its own)', () => {
  const schedule: TaskSpec = {
    id: 'report',
    name: 'PeriodPingTask',
    intervalMs: 60_000,
    overlap: 'allowAll',
    timeoutMs: 5_000,
    payload: { Url: 'http://127.0.0.1/ping' },
  };

  it('is a once task named by its occurrence, stored in TaskSpec key order', () => {
    expect(encodeRecord(occurrenceTask(schedule, 1_800_000_000_000))).toBe(
      '{"id":"report@1800000000000","name":"PeriodPingTask","toRunAtMs":1800000000000,' +
        '"timeoutMs":5000,"payload":{"Url":"http://127.0.0.1/ping"}}',
    );
  });

  it("keeps ingest's payloadChecked mark last, so that its run only makes the instance", () => {
    const marked = occurrenceTask({ ...schedule, payloadChecked: true }, 1_800_000_000_000);
    expect(encodeRecord(marked)).toMatch(
      /"payload":\{"Url":"http:\/\/127\.0\.0\.1\/ping"\},"payloadChecked":true\}$/,
    );
  });
});
