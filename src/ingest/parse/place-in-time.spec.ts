import { firstGridPointAtOrAfter } from '../../domain/grid';
import type { SentFields } from './message-fields';
import { type TimeRules, placeInTime } from './place-in-time';
import { Rejection } from './rejection';
import type { Start, TaskFields } from './validate-fields';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
/** 2025-11-26T12:00:00Z */
const NOW = Date.UTC(2025, 10, 26, 12);
const RULES: TimeRules = { nowMs: NOW, maxPastMs: HOUR, maxFutureMs: 24 * HOUR };

/** The values as sent only feed the reasons, so the specs below quote them as `sent`. */
const SENT: SentFields = {
  id: '7',
  name: 'PeriodPingTask',
  toRunAt: 'sent',
  toRunAfter: 'sent',
  timeout: undefined,
  interval: undefined,
  endTime: 'sent',
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
};

function place(start: Start, intervalMs?: number, endTimeMs?: number): number | Rejection {
  const fields: TaskFields = {
    id: '7',
    name: 'PeriodPingTask',
    start,
    timeoutMs: undefined,
    intervalMs,
    endTimeMs,
    retries: undefined,
    retryDelayMs: undefined,
    schedule: {},
    payloadClass: undefined,
  };
  return placeInTime(SENT, fields, RULES);
}

describe('placeInTime', () => {
  it('puts a periodic task anchored in the past on the first point of its grid from now', () => {
    const anchor = NOW - 10 * HOUR - 123;
    expect(place({ toRunAtMs: anchor }, 7 * SECOND)).toBe(
      firstGridPointAtOrAfter(anchor, 7 * SECOND, NOW),
    );
    // 10 h 123 ms back is 5143 intervals of 7 s less 877 ms.
    expect(place({ toRunAtMs: anchor }, 7 * SECOND)).toBe(NOW + 877);
  });

  it('runs a late once task now, and counts a delay from arrival', () => {
    expect(place({ toRunAtMs: NOW - HOUR })).toBe(NOW);
    expect(place({ toRunAfterMs: 5 * SECOND })).toBe(NOW + 5 * SECOND);
  });

  it('rejects with the task ID, quoting the values as sent', () => {
    expect(place({ toRunAtMs: NOW - HOUR - 1 })).toEqual(
      new Rejection(
        'ToRunAt "sent" (2025-11-26T10:59:59.999Z) is 1h in the past, beyond the limit of 1h',
        '7',
      ),
    );
    expect(place({ toRunAtMs: NOW }, HOUR, NOW + 25 * HOUR)).toEqual(
      new Rejection(
        'EndTime "sent" (2025-11-27T13:00:00.000Z) is 1d 1h in the future, beyond the limit of 1d',
        '7',
      ),
    );
  });
});
