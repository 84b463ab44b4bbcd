import type { TaskView } from '../../operations/task-view';
import { renderStats } from './stats-format';
import { renderTask, renderTaskTable } from './task-format';

const FAILED: TaskView = {
  id: '42',
  name: 'OncePingTask',
  state: 'failed',
  attempt: 2,
  lastError: 'GET http://127.0.0.1:8080/ answered 503',
  finishedAt: '2026-11-26T13:00:01.250Z',
  payload: { Url: 'http://127.0.0.1:8080/' },
};
const PERIODIC: TaskView = {
  id: 'msg:0123456789abcdef0123456789abcdef',
  name: 'PeriodPingTask',
  state: 'pending',
  dueAt: '2026-11-26T13:01:00.000Z',
  attempt: 0,
  interval: 60,
  endTime: '2026-11-27T00:00:00.000Z',
  payload: {},
};

describe('renderTask', () => {
  it('gives a failed task its state, attempts, error in full, finish time and payload', () => {
    expect(renderTask(FAILED)).toBe(
      [
        'id           42',
        'name         OncePingTask',
        'state        failed',
        'attempt      2',
        'finished at  2026-11-26T13:00:01.250Z',
        'last error   GET http://127.0.0.1:8080/ answered 503',
        'payload      {"Url":"http://127.0.0.1:8080/"}',
        '',
      ].join('\n'),
    );
  });

  it('gives a cron task its calendar with its zone, its rules, and how its last failure came about', () => {
    const text = renderTask({
      ...PERIODIC,
      interval: undefined,
      cron: '0 2 * * *',
      timeZone: 'Europe/Berlin',
      rules: { catchUp: 'skip', maxLateness: 600 },
      lastError: 'not run: it would have started 700000 ms late',
      lastOutcome: 'expired',
    });
    expect(text).toMatch(/^cron +0 2 \* \* \* \(Europe\/Berlin\)$/m);
    expect(text).toMatch(/^rules +\{"catchUp":"skip","maxLateness":600\}$/m);
    expect(text).toMatch(/^last error +expired: not run: it would have started 700000 ms late$/m);
    expect(text).not.toMatch(/^interval/m);
  });

  it('gives a periodic task its due time, interval in seconds and end time', () => {
    const text = renderTask(PERIODIC);
    expect(text).toMatch(/^due at +2026-11-26T13:01:00.000Z$/m);
    expect(text).toMatch(/^interval +60 s$/m);
    expect(text).toMatch(/^end time +2026-11-27T00:00:00.000Z$/m);
    expect(text).not.toContain('last error');
  });
});

describe('renderTaskTable', () => {
  it('puts one task per row under aligned headers, with whole IDs', () => {
    const lines = renderTaskTable([FAILED, PERIODIC]).split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +DUE AT +FINISHED AT +ATTEMPT +INTERVAL +LAST ERROR$/);
    expect(lines[1]).toMatch(/^42 +OncePingTask +- +2026-11-26T13:00:01.250Z +2 +- +GET http/);
    expect(lines[2]).toMatch(
      /^msg:0123456789abcdef0123456789abcdef +PeriodPingTask +2026-11-26T13:01:00.000Z +- +0 +60 s +-$/,
    );
    // Aligned: every row's NAME starts where the header's does.
    const nameAt = lines[0].indexOf('NAME');
    expect(lines[1].indexOf('OncePingTask')).toBe(nameAt);
    expect(lines[2].indexOf('PeriodPingTask')).toBe(nameAt);
  });
});

describe('renderStats', () => {
  it('names every count, and the lag in ms', () => {
    const text = renderStats({
      pending: 3,
      running: 1,
      failed: 2,
      cancelled: 0,
      done: 9,
      deadLetters: 4,
      oldestDueLagMs: 15,
      missed: 3,
      expired: 1,
    });
    expect(text).toBe(
      [
        'pending              3',
        'running              1',
        'failed               2',
        'cancelled            0',
        'done                 9',
        'dead letters         4',
        'oldest due lag       15 ms',
        'missed occurrences   3',
        'expired occurrences  1',
        '',
      ].join('\n'),
    );
  });
});
