import { BucketQueue } from './bucket-queue';
import { MinHeap } from './min-heap';
import { TimerBucket } from './timer-bucket';
import { TimerEntry } from './timer-entry';

describe('MinHeap', () => {
  it('pops in ascending order, duplicates included', () => {
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) % 1000;
    const heap = new MinHeap<number>((a, b) => a - b);
    const values: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = next();
      values.push(v);
      heap.push(v);
      if (i % 3 === 0) {
        values.sort((a, b) => a - b);
        expect(heap.pop()).toBe(values.shift());
      }
    }
    values.sort((a, b) => a - b);
    const out: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
    expect(out).toEqual(values);
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
  });
});

describe('BucketQueue', () => {
  function bucketAt<T>(expiration: number, value: T): TimerBucket<T> {
    const bucket = new TimerBucket<T>();
    bucket.setExpiration(expiration);
    bucket.add(new TimerEntry(expiration, value, 0, null));
    return bucket;
  }

  it('yields buckets by expiration', () => {
    const queue = new BucketQueue<string>();
    [30, 10, 20].forEach((at) => queue.offer(bucketAt(at, `b${at}`)));
    const order: (number | undefined)[] = [];
    for (let at = queue.nextExpiration(); at !== undefined; at = queue.nextExpiration()) {
      order.push(at);
      queue.poll()?.flush(() => {});
    }
    expect(order).toEqual([10, 20, 30]);
  });

  it('skips buckets emptied by cancellation and lets them be offered again', () => {
    const queue = new BucketQueue<string>();
    const early = new TimerBucket<string>();
    const entry = new TimerEntry(10, 'early', 0, null);
    early.add(entry);
    early.setExpiration(10);
    queue.offer(early);
    queue.offer(bucketAt(20, 'late'));
    early.remove(entry); // what cancel does
    expect(queue.nextExpiration()).toBe(20);
    expect(queue.size).toBe(1);
    expect(early.expiration).toBeUndefined();
    expect(early.setExpiration(10)).toBe(true);
  });

  it('is empty when all its buckets are', () => {
    const queue = new BucketQueue<string>();
    expect(queue.nextExpiration()).toBeUndefined();
    const bucket = new TimerBucket<string>();
    const entry = new TimerEntry(5, 'x', 0, null);
    bucket.add(entry);
    bucket.setExpiration(5);
    queue.offer(bucket);
    bucket.remove(entry);
    expect(queue.nextExpiration()).toBeUndefined();
    expect(queue.size).toBe(0);
  });
});
