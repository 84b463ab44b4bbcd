import { TimerBucket } from './timer-bucket';
import { TimerEntry } from './timer-entry';

const entry = (value: string, seq = 0) => new TimerEntry(0, value, seq, null);

function drain<T>(bucket: TimerBucket<T>): T[] {
  const out: T[] = [];
  bucket.flush((e) => out.push(e.value));
  return out;
}

describe('TimerBucket', () => {
  it('flushes in insertion order and ends up empty', () => {
    const bucket = new TimerBucket<string>();
    expect(bucket.isEmpty).toBe(true);
    ['a', 'b', 'c'].forEach((v) => bucket.add(entry(v)));
    expect(bucket.isEmpty).toBe(false);
    expect(drain(bucket)).toEqual(['a', 'b', 'c']);
    expect(bucket.isEmpty).toBe(true);
    expect(drain(bucket)).toEqual([]);
  });

  it('removes the head, the middle and the tail', () => {
    const bucket = new TimerBucket<string>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((v) => entry(v));
    [a, b, c, d].forEach((e) => bucket.add(e));
    expect(bucket.remove(b)).toBe(true);
    expect(bucket.remove(a)).toBe(true);
    expect(bucket.remove(d)).toBe(true);
    expect(drain(bucket)).toEqual(['c']);
  });

  it('refuses to remove an entry it does not hold', () => {
    const one = new TimerBucket<string>();
    const other = new TimerBucket<string>();
    const a = entry('a');
    one.add(a);
    expect(other.remove(a)).toBe(false);
    expect(one.remove(a)).toBe(true);
    expect(one.remove(a)).toBe(false);
    expect(a.bucket).toBeNull();
  });

  it('detaches entries before handing them out', () => {
    const bucket = new TimerBucket<string>();
    bucket.add(entry('a'));
    bucket.flush((e) => {
      expect(e.bucket).toBeNull();
      expect(e.next).toBe(e);
      expect(e.prev).toBe(e);
    });
  });

  it('reports whether the expiration changed, and flush resets it', () => {
    const bucket = new TimerBucket<string>();
    expect(bucket.expiration).toBeUndefined();
    expect(bucket.setExpiration(10)).toBe(true);
    expect(bucket.setExpiration(10)).toBe(false);
    expect(bucket.setExpiration(20)).toBe(true);
    bucket.flush(() => {});
    expect(bucket.expiration).toBeUndefined();
    expect(bucket.setExpiration(20)).toBe(true);
  });

  it('lets flush callbacks re-add to the same bucket without looping', () => {
    const bucket = new TimerBucket<string>();
    bucket.add(entry('a'));
    bucket.add(entry('b'));
    const seen: string[] = [];
    bucket.flush((e) => {
      seen.push(e.value);
      bucket.add(e);
    });
    expect(seen).toEqual(['a', 'b']);
    expect(drain(bucket)).toEqual(['a', 'b']);
  });

  it('lets flush callbacks remove entries not handed out yet', () => {
    const bucket = new TimerBucket<string>();
    const [a, b, c] = ['a', 'b', 'c'].map((v) => entry(v));
    [a, b, c].forEach((e) => bucket.add(e));
    const seen: string[] = [];
    bucket.flush((e) => {
      seen.push(e.value);
      if (e === a) expect(bucket.remove(b)).toBe(true);
    });
    expect(seen).toEqual(['a', 'c']);
    expect(b.bucket).toBeNull();
  });
});
