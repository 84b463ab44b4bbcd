import fc from 'fast-check';
import { StoreArgumentError } from './errors';
import { Partitions } from './partitions';

describe('Partitions', () => {
  it("with one partition, names today's keys: {prefix}", () => {
    const one = new Partitions('remote-task0:');
    expect(one.keys(0).tasks).toBe('{remote-task0:}tasks');
    expect(one.keys(0)).toBe(one.shared);
    expect(one.toGlobal(42, 0)).toBe(42);
    expect(one.toRaw(42, 0)).toBe(42);
  });

  it('with several, tags partition p {<prefix><p>}; shared keys and the channel stay on {prefix}', () => {
    const four = new Partitions('remote-task0:', 4);
    expect(four.keys(3).tasks).toBe('{remote-task0:3}tasks');
    expect(four.keys(0).due).toBe('{remote-task0:0}due');
    expect(four.shared.dead).toBe('{remote-task0:}dead');
    expect(four.shared.taskTypes).toBe('{remote-task0:}taskTypes');
    expect(four.shared.control).toBe('remote-task0:control');
  });

  it.each([0, 1025, 1.5])('refuses %p partitions', (count) => {
    expect(() => new Partitions('p:', count)).toThrow(StoreArgumentError);
  });

  it('maps tokens one to one: raw * P + p, unique across partitions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1024 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.nat(),
        (count, raw, q) => {
          const parts = new Partitions('x:', count);
          const p = q % count;
          const global = parts.toGlobal(raw, p);
          expect(global % count).toBe(p);
          expect(parts.toRaw(global, p)).toBe(raw);
        },
      ),
    );
  });

  it("refuses a token of another partition than the task's", () => {
    const parts = new Partitions('x:', 4);
    expect(() => parts.toRaw(parts.toGlobal(7, 1), 2)).toThrow(StoreArgumentError);
  });

  it('calls each partition once with its items in order, and answers in input order', async () => {
    const parts = new Partitions('x:', 8);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string(), { maxLength: 50 }), async (ids) => {
        const calls: { p: number; ids: string[] }[] = [];
        const answers = await parts.perItem(
          ids.map((id, at) => ({ id, at })),
          (item) => item.id,
          (p, items) => {
            calls.push({ p, ids: items.map((item) => item.id) });
            return Promise.resolve(items.map((item) => `${p}:${item.at}`));
          },
        );
        expect(answers).toEqual(ids.map((id, at) => `${parts.of(id)}:${at}`));
        const called = calls.map((c) => c.p);
        expect(new Set(called).size).toBe(called.length);
        for (const c of calls) {
          expect(c.ids).toEqual(ids.filter((id) => parts.of(id) === c.p));
        }
      }),
    );
  });
});
