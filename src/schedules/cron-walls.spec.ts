import fc from 'fast-check';
import { CronExpressionParser } from 'cron-parser';
import { CronWalls } from './cron-walls';

const ms = (iso: string): number => Date.parse(iso);

function walls(cron: string): CronWalls {
  const parsed = CronWalls.parse(cron);
  if ('invalid' in parsed) throw new Error(parsed.invalid);
  return parsed;
}

describe('CronWalls', () => {
  it('refuses other field counts and passes on cron-parser refusals', () => {
    expect(CronWalls.parse('* * * *')).toEqual({
      invalid: 'expected 5 fields, or 6 with seconds first, got 4',
    });
    expect(CronWalls.parse('0 0 * * * * *')).toEqual({
      invalid: 'expected 5 fields, or 6 with seconds first, got 7',
    });
    expect(CronWalls.parse('* 25 * * *')).toEqual({
      invalid: expect.stringContaining('Constraint error') as string,
    });
  });

  it('gives H fields the same value on every parse', () => {
    const first = walls('H H * * *').firstAfter(0);
    expect(walls('H H * * *').firstAfter(0)).toBe(first);
  });

  it('steps within a day and across days to the next matching one', () => {
    const points = [
      ...walls('0,30 59 23 L * *').after(ms('2026-01-31T00:00:00Z'), ms('2026-03-31T23:59:59Z')),
    ];
    expect(points.map((p) => new Date(p).toISOString())).toEqual([
      '2026-01-31T23:59:00.000Z',
      '2026-01-31T23:59:30.000Z',
      '2026-02-28T23:59:00.000Z',
      '2026-02-28T23:59:30.000Z',
      '2026-03-31T23:59:00.000Z',
      '2026-03-31T23:59:30.000Z',
    ]);
  });

  it('agrees with cron-parser next() and prev() (property)', () => {
    const crons = [
      '*/7 13 1-3 * * *',
      '0 9 * * 1-5',
      '30 2 29 2 *',
      '15 10 * * 5#2',
      '0 0 13 * 5',
      '*/20 * * * * *',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...crons),
        fc.integer({ min: ms('2000-01-01T00:00:00Z'), max: ms('2040-01-01T00:00:00Z') }),
        (cron, wall) => {
          const library = CronExpressionParser.parse(cron, { tz: 'UTC', currentDate: wall });
          const ours = walls(cron);
          expect(ours.firstAfter(wall)).toBe(library.next().getTime());
          library.reset(new Date(wall + 1));
          expect(ours.lastAtOrBefore(wall)).toBe(library.prev().getTime());
          const stepped: number[] = [];
          for (const point of ours.after(wall, Infinity)) if (stepped.push(point) === 3) break;
          library.reset(new Date(wall));
          expect(stepped).toEqual([1, 2, 3].map(() => library.next().getTime()));
        },
      ),
      { numRuns: 300 },
    );
  });
});
