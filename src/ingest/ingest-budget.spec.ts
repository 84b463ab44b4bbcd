import fc from 'fast-check';
import { IngestBudget } from './ingest-budget';

describe('IngestBudget', () => {
  it('says stop once when the held bytes pass the limit', () => {
    const budget = new IngestBudget(100);
    expect(budget.hold(60)).toBeUndefined();
    expect(budget.hold(40)).toBeUndefined(); // exactly at the limit: still reading
    expect(budget.hold(1)).toBe('stop');
    expect(budget.hold(50)).toBeUndefined();
    expect(budget.readingStopped).toBe(true);
    expect(budget.heldBytes).toBe(151);
  });

  it('says resume once when they fall below half the limit', () => {
    const budget = new IngestBudget(100);
    budget.hold(150);
    expect(budget.release(90)).toBeUndefined(); // 60 held: above half
    expect(budget.release(10)).toBeUndefined(); // 50 held: at half
    expect(budget.release(1)).toBe('resume');
    expect(budget.release(49)).toBeUndefined();
    expect(budget.readingStopped).toBe(false);
  });

  it('never says resume without a stop before it, and alternates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 80 })), { maxLength: 200 }),
        (steps) => {
          const budget = new IngestBudget(100);
          let held = 0;
          let last: 'stop' | 'resume' = 'resume';
          for (const [add, size] of steps) {
            const bytes = add ? size : Math.min(size, held);
            held += add ? bytes : -bytes;
            const change = add ? budget.hold(bytes) : budget.release(bytes);
            if (change !== undefined) {
              expect(change).not.toBe(last);
              last = change;
            }
            expect(budget.readingStopped).toBe(last === 'stop');
            if (!budget.readingStopped) expect(held).toBeLessThanOrEqual(100);
          }
        },
      ),
    );
  });
});
