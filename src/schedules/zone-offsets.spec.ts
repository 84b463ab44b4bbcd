import { zoneOffsetsOf } from './zone-offsets';

const HOUR = 3_600_000;
const ms = (iso: string): number => Date.parse(iso);

describe('zoneOffsetsOf', () => {
  it('gives undefined for a zone the platform does not know', () => {
    expect(zoneOffsetsOf('Mars/Olympus_Mons')).toBeUndefined();
  });

  it('reads Berlin in winter and summer', () => {
    const berlin = zoneOffsetsOf('Europe/Berlin')!;
    expect(berlin.fixedOffsetMs).toBeUndefined();
    expect(berlin.offsetAt(ms('2026-01-15T12:00:00Z'))).toBe(HOUR);
    expect(berlin.offsetAt(ms('2026-07-15T12:00:00Z'))).toBe(2 * HOUR);
  });

  it('finds the transitions to the second, each in its range only', () => {
    const berlin = zoneOffsetsOf('Europe/Berlin')!;
    expect(berlin.transitionsIn(ms('2026-01-01T00:00:00Z'), ms('2026-12-31T00:00:00Z'))).toEqual([
      { atMs: ms('2026-03-29T01:00:00Z'), offsetBeforeMs: HOUR, offsetAfterMs: 2 * HOUR },
      { atMs: ms('2026-10-25T01:00:00Z'), offsetBeforeMs: 2 * HOUR, offsetAfterMs: HOUR },
    ]);
    // (from, to]: a transition exactly at `from` is left out, one exactly at `to` is kept.
    expect(berlin.transitionsIn(ms('2026-03-29T01:00:00Z'), ms('2026-03-30T00:00:00Z'))).toEqual(
      [],
    );
    expect(
      berlin.transitionsIn(ms('2026-03-28T00:00:00Z'), ms('2026-03-29T01:00:00Z')),
    ).toHaveLength(1);
  });

  it('finds half-hour changes (Lord Howe: +10:30 / +11:00)', () => {
    const lordHowe = zoneOffsetsOf('Australia/Lord_Howe')!;
    expect(lordHowe.transitionsIn(ms('2026-04-01T00:00:00Z'), ms('2026-04-10T00:00:00Z'))).toEqual([
      // 2026-04-05 02:00 +11:00 → 01:30 +10:30
      { atMs: ms('2026-04-04T15:00:00Z'), offsetBeforeMs: 11 * HOUR, offsetAfterMs: 10.5 * HOUR },
    ]);
  });

  it.each([
    ['UTC', 0],
    ['Etc/UTC', 0],
    ['Etc/GMT+5', -5 * HOUR],
    ['Etc/GMT-14', 14 * HOUR],
  ])('treats %s as fixed at %d ms, with no transitions', (zone, offset) => {
    const fixed = zoneOffsetsOf(zone)!;
    expect(fixed.fixedOffsetMs).toBe(offset);
    expect(fixed.offsetAt(ms('2026-07-01T00:00:00Z'))).toBe(offset);
    expect(fixed.transitionsIn(0, ms('2030-01-01T00:00:00Z'))).toEqual([]);
  });
});
