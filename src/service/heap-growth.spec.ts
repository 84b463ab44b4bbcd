import { boundHeapGrowth } from './heap-growth';

describe('boundHeapGrowth', () => {
  function flagsSet(execArgv: string[]): string[] {
    const set: string[] = [];
    boundHeapGrowth(execArgv, (flags) => set.push(flags));
    return set;
  }

  it('lets the old generation grow 50 % past the live heap', () => {
    expect(flagsSet([])).toEqual(['--heap-growing-percent=50']);
    expect(flagsSet(['--enable-source-maps', '--max-semi-space-size=8'])).toEqual([
      '--heap-growing-percent=50',
    ]);
  });

  it('keeps the growth a process was started with, in either spelling', () => {
    expect(flagsSet(['--heap-growing-percent=20'])).toEqual([]);
    expect(flagsSet(['--heap-growing-percent', '20'])).toEqual([]);
  });

  it('does not mistake a longer flag for it', () => {
    expect(flagsSet(['--heap-growing-percentile=20'])).toEqual(['--heap-growing-percent=50']);
  });
});
