import type { TaskSpec } from '../domain/task-spec';
import { recurrenceOf } from './recurrence-of';

const T = Date.UTC(2026, 2, 28);
const spec = (fields: Partial<TaskSpec>): TaskSpec => ({
  id: '1',
  name: 'PingTask',
  payload: {},
  ...fields,
});

describe('recurrenceOf', () => {
  it('is undefined for a once task', () => {
    expect(recurrenceOf(spec({ toRunAtMs: T }), T)).toBeUndefined();
  });

  it('anchors an Interval grid at ToRunAt, else at the due time', () => {
    expect(
      recurrenceOf(spec({ intervalMs: 60_000, toRunAtMs: T }), T + 90_000)!.firstAfter(T + 90_000),
    ).toBe(T + 120_000);
    expect(recurrenceOf(spec({ intervalMs: 60_000 }), T + 90_000)!.firstAfter(T + 90_000)).toBe(
      T + 150_000,
    );
  });

  it('reads a cron in UTC by default, shifting skipped times', () => {
    expect(recurrenceOf(spec({ cron: '30 2 * * *' }), T)!.firstAfter(T)).toBe(
      Date.parse('2026-03-28T02:30:00Z'),
    );
    const berlin = recurrenceOf(spec({ cron: '30 2 * * *', timeZone: 'Europe/Berlin' }), T)!;
    expect(berlin.firstAfter(Date.parse('2026-03-28T12:00:00Z'))).toBe(
      Date.parse('2026-03-29T01:30:00Z'),
    );
    const skipping = recurrenceOf(
      spec({ cron: '30 2 * * *', timeZone: 'Europe/Berlin', dstSkipped: 'skip' }),
      T,
    )!;
    expect(skipping.firstAfter(Date.parse('2026-03-28T12:00:00Z'))).toBe(
      Date.parse('2026-03-30T00:30:00Z'),
    );
  });

  it('remembers a cron schedule, and gives undefined for one refused now', () => {
    const cron = spec({ cron: '*/5 * * * *', timeZone: 'Asia/Tokyo' });
    expect(recurrenceOf(cron, T)).toBe(recurrenceOf(cron, T + 1));
    expect(recurrenceOf(spec({ cron: '*/5 * * * *', timeZone: 'Gone/Zone' }), T)).toBeUndefined();
  });
});
