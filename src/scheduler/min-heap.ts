/** Array-backed binary min-heap. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /** compare(a, b) < 0 when a must come out before b. */
  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(item, items[parent]) >= 0) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    // Sift the former last item down from the root.
    const n = items.length;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.compare(items[child + 1], items[child]) < 0) child++;
      if (this.compare(items[child], last) >= 0) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = last;
    return top;
  }
}
