import { prng } from '../../test/support/prng';
import { FifoQueue } from './fifo-queue';

describe('FifoQueue', () => {
  it('behaves like an array used as a queue over many mixed operations', () => {
    const queue = new FifoQueue<number>();
    const model: number[] = [];
    let next = 0;
    const next01 = prng(7);
    const random = (n: number): number => Math.floor(next01() * n);
    // Pushes and takes nearly balance, so the queue stays short, its head passes the compaction
    // threshold again and again, and the O(n) model stays cheap.
    for (let step = 0; step < 20_000; step++) {
      const action = random(6);
      if (action <= 1) {
        const values = Array.from({ length: random(20) }, () => next++);
        queue.push(...values);
        model.push(...values);
      } else if (action === 2) {
        expect(queue.shift()).toBe(model.shift());
      } else if (action === 3) {
        const count = random(30);
        expect(queue.take(count)).toEqual(model.splice(0, count));
      } else if (action === 4) {
        const back = Array.from({ length: random(3) }, () => next++);
        queue.unshiftAll(back);
        model.unshift(...back);
      } else {
        const removed = queue.remove((value) => value % 17 === 0);
        const kept = model.filter((value) => value % 17 !== 0);
        expect(removed).toBe(model.length - kept.length);
        model.splice(0, model.length, ...kept);
      }
      expect(queue.length).toBe(model.length);
    }
    expect(queue.values()).toEqual(model);
    expect(queue.drain()).toEqual(model);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });
});
