import type { LoggerService } from '@nestjs/common';
import { ReadPauseLog } from './read-pause-log';

describe('ReadPauseLog', () => {
  let lines: Array<[string, string]>;
  let pauses: ReadPauseLog;
  const logger: LoggerService = {
    log: (message: string) => lines.push(['log', message]),
    warn: (message: string) => lines.push(['warn', message]),
    error: (message: string) => lines.push(['error', message]),
  };

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    lines = [];
    pauses = new ReadPauseLog(logger, 'p:messageQ', Date.now, 5000);
  });

  afterEach(() => jest.useRealTimers());

  it('logs the first pause of an episode at error level, with what it means', () => {
    pauses.stopped('2.0 MiB wait for Redis, more than 1.0 MiB');
    expect(lines).toEqual([
      [
        'error',
        'Stopped reading p:messageQ: 2.0 MiB wait for Redis, more than 1.0 MiB. Reading again ' +
          'below half of it. Meanwhile unread messages pile up in Redis, which cuts this ' +
          'subscriber off past its client-output-buffer-limit for pubsub: messages published ' +
          'then are lost.',
      ],
    ]);
  });

  it('folds the pauses of one episode into its end line, once reading stayed on long enough', () => {
    pauses.stopped('full');
    jest.advanceTimersByTime(1000);
    for (let i = 0; i < 9; i++) {
      pauses.resumed();
      jest.advanceTimersByTime(4999); // not quiet long enough
      pauses.stopped('full');
    }
    pauses.resumed();
    expect(lines).toHaveLength(1);
    jest.advanceTimersByTime(5000);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual([
      'log',
      'Reading p:messageQ steadily again, after 10 pause(s) over 45.991s',
    ]);
  });

  it('starts a new episode after the quiet period', () => {
    pauses.stopped('full');
    pauses.resumed();
    jest.advanceTimersByTime(5000);
    pauses.stopped('full again');
    expect(lines.map(([level]) => level)).toEqual(['error', 'log', 'error']);
  });

  it('ignores a resume without a pause', () => {
    pauses.resumed();
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual([]);
  });
});
