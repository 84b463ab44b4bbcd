import { advance, useFakeTime } from '../../test/support/fake-time';
import { LogCapture } from '../../test/support/log-capture';
import type { ObservedRun } from './engine-events';
import { RunLog } from './run-log';
import { TaskLogLine } from '../logging/task-log-line';

const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
useFakeTime(T0);

const run: ObservedRun = {
  started: { id: '42', token: 7, dueMs: T0 - 3, plannedMs: T0 - 3, record: '{}', attempt: 1 },
  name: 'OncePingTask',
};

describe('RunLog', () => {
  it('writes one debug line per run: start, lateness, outcome and duration, with the task fields', async () => {
    const logs = new LogCapture();
    const debug = jest.spyOn(logs, 'debug');
    const log = new RunLog(logs, 'host:1:ab');
    log.runStarted(run, 3);
    await advance(12);
    log.runSettled(run, 'ok');
    expect(logs.lines).toEqual([
      {
        level: 'debug',
        context: 'undefined',
        message:
          'Task 42 (OncePingTask, attempt 1, token 7, instance host:1:ab) started ' +
          '2026-11-26T12:00:00.000Z (3 ms after its due time), succeeded after 12 ms',
      },
    ]);
    const line = debug.mock.calls[0][0] as TaskLogLine;
    expect(line.fields).toEqual({
      taskId: '42',
      taskName: 'OncePingTask',
      attempt: 1,
      fencingToken: 7,
      instance: 'host:1:ab',
    });
  });

  it.each([
    ['error', 'failed'],
    ['timeout', 'timed out'],
    ['abandoned', 'was given up'],
  ] as const)('says a run that settled with %s %s, and forgets its start', (settlement, said) => {
    const logs = new LogCapture();
    const log = new RunLog(logs, 'i');
    log.runStarted(run, 0);
    log.runSettled(run, settlement);
    log.runSettled(run, settlement);
    expect(logs.lines.map(({ message }) => message)).toEqual([
      expect.stringContaining(`, ${said} after 0 ms`),
      'Task 42 (OncePingTask, attempt 1, token 7, instance i) ' + said,
    ]);
  });
});
