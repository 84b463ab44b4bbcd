import { readFields } from './message-fields';
import { scheduleFieldsOf, type ScheduleFields } from './schedule-fields';
import { FieldError } from '../task-fields';

/** The schedule fields of a message, with the Interval ingest read from it (ms). */
function fieldsOf(message: Record<string, unknown>, intervalMs?: number) {
  return scheduleFieldsOf(readFields(message), intervalMs);
}

function accepted(message: Record<string, unknown>, intervalMs?: number): ScheduleFields {
  const fields = fieldsOf(message, intervalMs);
  if (fields instanceof FieldError) throw new Error(`refused: ${fields.message}`);
  return fields;
}

function reason(message: Record<string, unknown>, intervalMs?: number): string {
  const fields = fieldsOf(message, intervalMs);
  if (!(fields instanceof FieldError)) throw new Error(`accepted: ${JSON.stringify(fields)}`);
  return fields.message;
}

describe('scheduleFieldsOf', () => {
  it('reads Cron with its calendar fields, in any case, its spaces normalised', () => {
    const fields = accepted({
      cron: ' 0  2 * * * ',
      TimeZone: 'Europe/Berlin',
      dstrepeated: 'both',
      DstSkipped: 'skip',
    });
    expect(fields).toMatchObject({
      cron: '0 2 * * *',
      timeZone: 'Europe/Berlin',
      dstRepeated: 'both',
      dstSkipped: 'skip',
    });
    // 2026-03-29 is Berlin's spring-forward day: 02:00 does not exist there and is skipped.
    expect(fields.cronRecurrence?.firstAfter(Date.UTC(2026, 2, 28, 1))).toBe(
      Date.UTC(2026, 2, 30, 0),
    );
  });

  it('leaves absent fields absent: the stored text is what was sent', () => {
    const fields = accepted({ Cron: '*/5 * * * *' });
    expect(Object.keys(fields).sort()).toEqual(['cron', 'cronRecurrence']);
  });

  it.each([
    [
      { Cron: '0 2 * * *' },
      1000,
      'Cron and Interval cannot both be given: a task has one recurrence',
    ],
    [{ Cron: '' }, undefined, 'Cron must be a non-empty string, got ""'],
    [{ Cron: 5 }, undefined, 'Cron must be a non-empty string, got 5'],
    [{ Cron: '61 * * * *' }, undefined, /^Cron "61 \* \* \* \*" is not a valid cron expression/],
    [
      { Cron: '0 0 30 2 *' },
      undefined,
      /^Cron "0 0 30 2 \*" is not a valid cron expression: .*day of month/,
    ],
    [{ Cron: '* * * * *', TimeZone: 'Mars/Olympus' }, undefined, /Mars\/Olympus/],
    [{ TimeZone: 'UTC' }, 1000, 'TimeZone is only allowed with Cron'],
    [{ DstRepeated: 'first' }, undefined, 'DstRepeated is only allowed with Cron'],
    [
      { Cron: '* * * * *', DstRepeated: 'twice' },
      undefined,
      /^DstRepeated must be one of "first", "last", "both", got "twice"/,
    ],
    [
      { Cron: '* * * * *', DstSkipped: 'later' },
      undefined,
      /^DstSkipped must be one of "shift", "skip"/,
    ],
    [{ CatchUp: 'all' }, undefined, 'CatchUp is only allowed on periodic tasks (Interval or Cron)'],
    [{ Jitter: 1 }, undefined, 'Jitter is only allowed on periodic tasks (Interval or Cron)'],
    [{ CatchUp: 'some' }, 1000, /^CatchUp must be one of "skip", "one", "all"/],
    [{ CatchUpMax: 3 }, 1000, 'CatchUpMax is only used with CatchUp "all"'],
    [
      { CatchUp: 'all', CatchUpMax: 0 },
      1000,
      'CatchUpMax must be a whole number from 1 to 1000, got 0',
    ],
    [
      { CatchUp: 'all', CatchUpMax: 1001 },
      1000,
      /^CatchUpMax must be a whole number from 1 to 1000/,
    ],
    [{ Overlap: 'queue' }, 1000, /^Overlap must be one of "skip", "bufferOne", "allowAll"/],
    [{ MaxLateness: 0 }, undefined, /^MaxLateness 0 must be greater than 0/],
    [{ Jitter: -1 }, 1000, /^Jitter/],
  ])('refuses %j (Interval %p): %s', (message, intervalMs, expected) => {
    expect(reason(message, intervalMs)).toEqual(
      expected instanceof RegExp ? expect.stringMatching(expected) : expected,
    );
  });

  it('reads the rules of periodic tasks for Interval and Cron alike', () => {
    const rules = {
      CatchUp: 'all',
      CatchUpMax: '25',
      Overlap: 'bufferOne',
      Jitter: '1.5',
      MaxLateness: 30,
    };
    const expected = {
      catchUp: 'all',
      catchUpMax: 25,
      overlap: 'bufferOne',
      jitterMs: 1500,
      maxLatenessMs: 30_000,
    };
    expect(accepted(rules, 60_000)).toEqual(expected);
    expect(accepted({ ...rules, Cron: '* * * * *' })).toMatchObject(expected);
  });

  it('allows MaxLateness on a once task', () => {
    expect(accepted({ MaxLateness: 2.5 })).toEqual({ maxLatenessMs: 2500 });
  });

  it('keeps Jitter below the gap between occurrences', () => {
    expect(reason({ Jitter: 60 }, 60_000)).toBe(
      'Jitter 60 s must be less than the shortest gap between occurrences (60 s)',
    );
    expect(accepted({ Jitter: 59.999 }, 60_000).jitterMs).toBe(59_999);
    // Hourly from 08:00 to 10:00: the shortest gap is an hour, not a day.
    expect(reason({ Cron: '0 8-10 * * *', Jitter: 3600 })).toMatch(/\(3600 s\)$/);
    expect(accepted({ Cron: '0 8-10 * * *', Jitter: 3599 }).jitterMs).toBe(3_599_000);
  });
});
