import fc from 'fast-check';
import type { DstRepeated, DstSkipped, Recurrence } from '../domain/schedule-types';
import { cronRecurrence } from './cron-recurrence';

const DST_REPEATED: readonly DstRepeated[] = ['first', 'last', 'both'];
const DST_SKIPPED: readonly DstSkipped[] = ['shift', 'skip'];
const POLICY_PAIRS = DST_REPEATED.flatMap((dstRepeated) =>
  DST_SKIPPED.map((dstSkipped) => [dstRepeated, dstSkipped] as const),
);

function recurrence(
  cron: string,
  timeZone = 'UTC',
  dstRepeated: DstRepeated = 'first',
  dstSkipped: DstSkipped = 'shift',
): Recurrence {
  const made = cronRecurrence({ cron, timeZone, dstRepeated, dstSkipped });
  if ('invalid' in made) throw new Error(made.invalid);
  return made;
}

const ms = (iso: string): number => Date.parse(iso);
const iso = (instantMs: number): string => new Date(instantMs).toISOString();

/** The points in (from, to] by stepping firstAfter. */
function forward(r: Recurrence, from: string, to: string): string[] {
  const points: string[] = [];
  for (let p = r.firstAfter(ms(from)); p !== undefined && p <= ms(to); p = r.firstAfter(p)) {
    points.push(iso(p));
  }
  return points;
}

/** The points in (from, to] by stepping lastAtOrBefore back from `to`. */
function backward(r: Recurrence, from: string, to: string): string[] {
  const points: string[] = [];
  for (
    let p = r.lastAtOrBefore(ms(to));
    p !== undefined && p > ms(from);
    p = r.lastAtOrBefore(p - 1)
  ) {
    points.unshift(iso(p));
  }
  return points;
}

/** All three ways of reading (from, to] agree; gives the points. */
function pointsBetween(r: Recurrence, from: string, to: string): string[] {
  const points = forward(r, from, to);
  expect(backward(r, from, to)).toEqual(points);
  const counted = r.pointsIn(ms(from), ms(to), points.length);
  expect(counted).toEqual({ count: points.length, countIsExact: true, latest: points.map(ms) });
  return points;
}

const utc = (day: string, ...times: string[]): string[] =>
  times.map((time) => `${day}T${time}:00.000Z`);

describe('cronRecurrence', () => {
  describe('parsing', () => {
    it.each([
      ['61 * * * *', 'is not a valid cron expression: Constraint error'],
      ['* * * * * * *', 'is not a valid cron expression: expected 5 fields, or 6 with seconds'],
      ['* * * *', 'is not a valid cron expression: expected 5 fields, or 6 with seconds'],
      ['garbage', 'is not a valid cron expression'],
      ['@reboot', 'is not a valid cron expression'],
      ['@daily', 'is not a valid cron expression'],
      ['0 0 30 2 *', 'is not a valid cron expression'],
      ['0 0 31 4,6 *', 'has no occurrence within 10 years'],
    ])('refuses %j, naming it', (cron, reason) => {
      const made = cronRecurrence({
        cron,
        timeZone: 'UTC',
        dstRepeated: 'first',
        dstSkipped: 'shift',
      });
      expect(made).toEqual({
        invalid: expect.stringContaining(`Cron "${cron}" ${reason}`) as string,
      });
    });

    it.each(['Mars/Olympus_Mons', 'Europe/Berlinn', '+05:00', ''])(
      'refuses the zone %j',
      (timeZone) => {
        const made = cronRecurrence({
          cron: '* * * * *',
          timeZone,
          dstRepeated: 'first',
          dstSkipped: 'shift',
        });
        expect(made).toEqual({ invalid: `TimeZone "${timeZone}" is not a known IANA time zone` });
      },
    );

    it('takes 6 fields with seconds first, stepping exactly', () => {
      const r = recurrence('*/2 * * * * *');
      expect(iso(r.firstAfter(ms('2026-01-01T00:00:00.500Z'))!)).toBe('2026-01-01T00:00:02.000Z');
      expect(iso(r.firstAfter(ms('2026-01-01T00:00:02.000Z'))!)).toBe('2026-01-01T00:00:04.000Z');
      expect(iso(r.firstAfter(ms('2026-01-01T00:00:01.999Z'))!)).toBe('2026-01-01T00:00:02.000Z');
      expect(iso(r.lastAtOrBefore(ms('2026-01-01T00:00:03.999Z'))!)).toBe(
        '2026-01-01T00:00:02.000Z',
      );
      expect(iso(r.lastAtOrBefore(ms('2026-01-01T00:00:04.000Z'))!)).toBe(
        '2026-01-01T00:00:04.000Z',
      );
      const points = pointsBetween(r, '2025-12-31T23:59:57.000Z', '2026-01-01T00:00:04.000Z');
      expect(points).toEqual([
        '2025-12-31T23:59:58.000Z',
        '2026-01-01T00:00:00.000Z',
        '2026-01-01T00:00:02.000Z',
        '2026-01-01T00:00:04.000Z',
      ]);
    });

    it('reads `0 * * * * *` as every minute at second 0', () => {
      const points = pointsBetween(
        recurrence('0 * * * * *'),
        '2026-05-01T10:00:00Z',
        '2026-05-01T10:03:00Z',
      );
      expect(points).toEqual(utc('2026-05-01', '10:01', '10:02', '10:03'));
    });

    it('reads 5 fields with second 0', () => {
      const points = pointsBetween(
        recurrence('*/20 9 * * 1'),
        '2026-05-03T00:00:00Z',
        '2026-05-12T00:00:00Z',
      );
      // 2026-05-04 and 2026-05-11 are Mondays.
      expect(points).toEqual([
        ...utc('2026-05-04', '09:00', '09:20', '09:40'),
        ...utc('2026-05-11', '09:00', '09:20', '09:40'),
      ]);
    });

    it('takes a leap day, 8 years apart across 2100, and pages back as far', () => {
      const r = recurrence('0 12 29 2 *');
      expect(iso(r.firstAfter(ms('2097-01-01T00:00:00Z'))!)).toBe('2104-02-29T12:00:00.000Z');
      expect(iso(r.lastAtOrBefore(ms('2104-02-29T11:59:59Z'))!)).toBe('2096-02-29T12:00:00.000Z');
    });
  });

  describe('time zones', () => {
    it.each([
      ['UTC', '2026-01-15T09:00:00.000Z', '2026-07-15T09:00:00.000Z'],
      ['Asia/Tokyo', '2026-01-15T00:00:00.000Z', '2026-07-15T00:00:00.000Z'], // +09:00, no DST
      ['America/New_York', '2026-01-15T14:00:00.000Z', '2026-07-15T13:00:00.000Z'], // EST, EDT
      ['Etc/GMT+5', '2026-01-15T14:00:00.000Z', '2026-07-15T14:00:00.000Z'], // fixed −05:00
    ])('reads `0 9 * * *` in %s', (timeZone, january, july) => {
      const r = recurrence('0 9 * * *', timeZone);
      expect(iso(r.firstAfter(ms('2026-01-14T23:59:00Z'))!)).toBe(january);
      expect(iso(r.firstAfter(ms('2026-07-14T23:59:00Z'))!)).toBe(july);
      expect(iso(r.lastAtOrBefore(ms(january))!)).toBe(january);
      expect(iso(r.lastAtOrBefore(ms(january) - 1)!)).toBe(iso(ms(january) - 86_400_000));
    });
  });

  /*
   * Expected values reasoned from the rules, not copied from output.
   * Europe/Berlin: 2026-03-29 at 01:00Z, 02:00 CET (+1) → 03:00 CEST (+2): walls 02:00–02:59 do not
   * exist; 2026-10-25 at 01:00Z, 03:00 CEST → 02:00 CET: walls 02:00–02:59 occur at 00:xxZ (first)
   * and 01:xxZ (last).
   * America/New_York: 2026-03-08 at 07:00Z, 02:00 EST (−5) → 03:00 EDT (−4); 2026-11-01 at 06:00Z,
   * 02:00 EDT → 01:00 EST: walls 01:00–01:59 occur at 05:xxZ (first) and 06:xxZ (last).
   */
  describe.each(POLICY_PAIRS)(
    'DST with dstRepeated %s, dstSkipped %s',
    (dstRepeated, dstSkipped) => {
      const keep = (first: string[], last: string[]): string[] =>
        dstRepeated === 'first'
          ? first
          : dstRepeated === 'last'
            ? last
            : [...first, ...last].sort();

      it('Berlin, spring: 02:30 is shifted to 03:30 CEST or skipped', () => {
        const r = recurrence('30 2 * * *', 'Europe/Berlin', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
          '2026-03-28T01:30:00.000Z', // 02:30 CET
          ...(dstSkipped === 'shift' ? ['2026-03-29T01:30:00.000Z'] : []), // 03:30 CEST
          '2026-03-30T00:30:00.000Z', // 02:30 CEST
        ]);
      });

      it('Berlin, autumn: 02:30 occurs in CEST, in CET, or both', () => {
        const r = recurrence('30 2 * * *', 'Europe/Berlin', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
          '2026-10-24T00:30:00.000Z', // 02:30 CEST
          ...keep(['2026-10-25T00:30:00.000Z'], ['2026-10-25T01:30:00.000Z']),
          '2026-10-26T01:30:00.000Z', // 02:30 CET
        ]);
      });

      it('New York, spring: 02:30 is shifted to 03:30 EDT or skipped', () => {
        const r = recurrence('30 2 * * *', 'America/New_York', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
          '2026-03-07T07:30:00.000Z', // 02:30 EST
          ...(dstSkipped === 'shift' ? ['2026-03-08T07:30:00.000Z'] : []), // 03:30 EDT
          '2026-03-09T06:30:00.000Z', // 02:30 EDT
        ]);
      });

      it('New York, autumn: 01:30 occurs in EDT, in EST, or both', () => {
        const r = recurrence('30 1 * * *', 'America/New_York', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
          '2026-10-31T05:30:00.000Z', // 01:30 EDT
          ...keep(['2026-11-01T05:30:00.000Z'], ['2026-11-01T06:30:00.000Z']),
          '2026-11-02T06:30:00.000Z', // 01:30 EST
        ]);
      });

      it('Berlin, spring night every 15 minutes: shifted times coincide with real ones, once', () => {
        const r = recurrence('*/15 * * * *', 'Europe/Berlin', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-03-28T23:59:00Z', '2026-03-29T02:00:00Z')).toEqual([
          ...utc('2026-03-29', '00:00', '00:15', '00:30', '00:45'), // 01:xx CET
          ...utc('2026-03-29', '01:00', '01:15', '01:30', '01:45', '02:00'), // 03:00–04:00 CEST
        ]);
      });

      it('Berlin, autumn night every 15 minutes', () => {
        const r = recurrence('*/15 * * * *', 'Europe/Berlin', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-10-24T23:59:00Z', '2026-10-25T02:00:00Z')).toEqual([
          ...keep(
            utc('2026-10-25', '00:00', '00:15', '00:30', '00:45'), // 02:xx CEST
            utc('2026-10-25', '01:00', '01:15', '01:30', '01:45'), // 02:xx CET
          ),
          '2026-10-25T02:00:00.000Z', // 03:00 CET
        ]);
      });

      it('New York, spring night every 15 minutes', () => {
        const r = recurrence('*/15 * * * *', 'America/New_York', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-03-08T05:59:00Z', '2026-03-08T08:00:00Z')).toEqual([
          ...utc('2026-03-08', '06:00', '06:15', '06:30', '06:45'), // 01:xx EST
          ...utc('2026-03-08', '07:00', '07:15', '07:30', '07:45', '08:00'), // 03:00–04:00 EDT
        ]);
      });

      it('New York, autumn night every 15 minutes', () => {
        const r = recurrence('*/15 * * * *', 'America/New_York', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-11-01T04:59:00Z', '2026-11-01T07:00:00Z')).toEqual([
          ...keep(
            utc('2026-11-01', '05:00', '05:15', '05:30', '05:45'), // 01:xx EDT
            utc('2026-11-01', '06:00', '06:15', '06:30', '06:45'), // 01:xx EST
          ),
          '2026-11-01T07:00:00.000Z', // 02:00 EST
        ]);
      });

      it('Berlin, a skipped time that no real time covers: 02:20 and 02:40', () => {
        const r = recurrence('20,40 2 * * *', 'Europe/Berlin', dstRepeated, dstSkipped);
        expect(pointsBetween(r, '2026-03-29T00:00:00Z', '2026-03-29T23:00:00Z')).toEqual(
          dstSkipped === 'shift' ? utc('2026-03-29', '01:20', '01:40') : [],
        );
      });

      it('Berlin, every 2 seconds over each DST day: counts every instant once', () => {
        const r = recurrence('*/2 * * * * *', 'Europe/Berlin', dstRepeated, dstSkipped);
        const wholeDay = 43_200;
        // Spring: every instant has one wall time; shifted ones coincide with real ones.
        expect(r.pointsIn(ms('2026-03-28T12:00:00Z'), ms('2026-03-29T12:00:00Z'), 0).count).toBe(
          wholeDay,
        );
        // Autumn: 'first' and 'last' each drop one pass of the repeated hour (1,800 points).
        const autumn = r.pointsIn(ms('2026-10-24T12:00:00Z'), ms('2026-10-25T12:00:00Z'), 1);
        expect(autumn.count).toBe(dstRepeated === 'both' ? wholeDay : wholeDay - 1800);
        expect(autumn.latest).toEqual([ms('2026-10-25T12:00:00Z')]);
      });
    },
  );

  it('counts a day of a one-second cron in a DST zone quickly, and stops counting at 100,000', () => {
    const r = recurrence('* * * * * *', 'Europe/Berlin', 'both');
    const started = performance.now();
    const day = r.pointsIn(ms('2026-10-24T12:00:00Z'), ms('2026-10-25T12:00:00Z'), 2);
    // Generous for a loaded CI machine; stepping with cron-parser's next() would take 2 s to minutes.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(day).toEqual({
      count: 86_400,
      countIsExact: true,
      latest: [ms('2026-10-25T11:59:59Z'), ms('2026-10-25T12:00:00Z')],
    });
    const twoDays = r.pointsIn(ms('2026-10-23T12:00:00Z'), ms('2026-10-25T12:00:00Z'), 2);
    expect(twoDays).toEqual({ count: 100_000, countIsExact: false, latest: day.latest });
  });

  describe('firstAfter and lastAtOrBefore agree (property)', () => {
    const crons = [
      '30 2 * * *',
      '*/15 * * * *',
      '0 0 1 * *',
      '*/7 13 1-3 * * *',
      '0 9 * * 1-5',
      '45 23 L * *',
    ];
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Tokyo', 'UTC'];
    const recurrences = crons.flatMap((cron) =>
      zones.flatMap((zone) => POLICY_PAIRS.map(([rep, skip]) => recurrence(cron, zone, rep, skip))),
    );
    const instants = fc.integer({
      min: ms('2020-01-01T00:00:00Z'),
      max: ms('2032-01-01T00:00:00Z'),
    });
    // Half the instants near a DST change, where the mapping is interesting.
    const nearChange = fc
      .tuple(
        fc.constantFrom(
          '2026-03-08T07:00:00Z',
          '2026-03-29T01:00:00Z',
          '2026-10-25T01:00:00Z',
          '2026-11-01T06:00:00Z',
          '2026-04-04T15:00:00Z',
          '2026-10-03T15:30:00Z',
        ),
        fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }),
      )
      .map(([change, delta]) => ms(change) + delta);
    const cases = fc.tuple(fc.constantFrom(...recurrences), fc.oneof(instants, nearChange));

    it('firstAfter(t) > t, is a point, and nothing lies between', () => {
      fc.assert(
        fc.property(cases, ([r, t]) => {
          const next = r.firstAfter(t)!;
          expect(next).toBeGreaterThan(t);
          expect(next % 1000).toBe(0);
          expect(r.lastAtOrBefore(next)).toBe(next);
          const before = r.lastAtOrBefore(next - 1);
          expect(before === undefined || before <= t).toBe(true);
        }),
        { numRuns: 400 },
      );
    });

    it('lastAtOrBefore(t) <= t, is a point, and nothing lies between', () => {
      fc.assert(
        fc.property(cases, ([r, t]) => {
          const last = r.lastAtOrBefore(t)!;
          expect(last).toBeLessThanOrEqual(t);
          expect(r.firstAfter(last - 1)).toBe(last);
          expect(r.firstAfter(last)! > t).toBe(true);
        }),
        { numRuns: 400 },
      );
    });

    it('steps through strictly increasing points, as pointsIn lists them', () => {
      fc.assert(
        fc.property(cases, ([r, t]) => {
          const stepped: number[] = [];
          for (
            let p = r.firstAfter(t);
            p !== undefined && stepped.length < 12;
            p = r.firstAfter(p)
          ) {
            if (stepped.length > 0) expect(p).toBeGreaterThan(stepped[stepped.length - 1]);
            stepped.push(p);
          }
          const listed = r.pointsIn(t, stepped[stepped.length - 1], 12);
          expect(listed).toEqual({ count: stepped.length, countIsExact: true, latest: stepped });
        }),
        { numRuns: 200 },
      );
    });
  });
});
