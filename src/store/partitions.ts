import { StoreArgumentError } from './errors/store-argument.error';
import { TaskKeys } from './keys';
import { partitionOf } from './partition-of';

/** The most partitions a prefix may have (DELAYTASK_PARTITIONS). */
export const MAX_PARTITIONS = 1024;

/**
 * How a prefix's per-task keys are spread over partitions, each one hash tag so that every script
 * still touches one cluster slot while the partitions land on all masters. Partition p of P > 1
 * is the tag `{<prefix><p>}`; with P = 1 the one partition is `{<prefix>}`, today's keys, so
 * existing data stays where it is. Keys that are not per task (instances, task types, dead
 * letters, the control channel) live on `{<prefix>}` whatever P is.
 *
 * Each partition counts its own fencing tokens; the store hands out `raw * P + p`, unique across
 * partitions (the runner names runs by token), and identical to the raw token when P = 1.
 */
export class Partitions {
  /** The keys of `{<prefix>}`: the shared ones (and partition 0's when P = 1). */
  readonly shared: TaskKeys;
  private readonly keysOf: readonly TaskKeys[];

  constructor(
    prefix: string,
    readonly count: number = 1,
  ) {
    if (!Number.isSafeInteger(count) || count < 1 || count > MAX_PARTITIONS) {
      throw new StoreArgumentError(
        'partitions',
        count,
        `a whole number from 1 to ${MAX_PARTITIONS}`,
      );
    }
    this.shared = new TaskKeys(prefix);
    this.keysOf =
      count === 1
        ? [this.shared]
        : Array.from({ length: count }, (_, p) => new TaskKeys(prefix, `${prefix}${p}`));
  }

  /** The keys of partition `p`. */
  keys(p: number): TaskKeys {
    return this.keysOf[p];
  }

  /** The partition of task `id`. */
  of(id: string): number {
    return partitionOf(id, this.count);
  }

  /** The fencing token the store hands out for token `raw` of partition `p`. */
  toGlobal(raw: number, p: number): number {
    return raw * this.count + p;
  }

  /** The token partition `p`'s scripts know for a token the store handed out. */
  toRaw(global: number, p: number): number {
    if (global % this.count !== p) {
      throw new StoreArgumentError('token', global, `a fencing token of partition ${p}`);
    }
    return (global - p) / this.count;
  }

  /**
   * Runs `call` once per partition that holds some of `items` (at once, each with its items in
   * input order) and gives back its answers, one per item, in input order.
   */
  async perItem<I, R>(
    items: readonly I[],
    idOf: (item: I) => string,
    call: (p: number, items: I[]) => Promise<R[]>,
  ): Promise<R[]> {
    // One call as before partitions; an empty batch still asks partition 0 (for its clock).
    if (this.count === 1 || items.length === 0) return call(0, [...items]);
    const groups = new Map<number, { at: number[]; items: I[] }>();
    items.forEach((item, at) => {
      const p = this.of(idOf(item));
      const group = groups.get(p) ?? { at: [], items: [] };
      group.at.push(at);
      group.items.push(item);
      groups.set(p, group);
    });
    const answers = new Array<R>(items.length);
    await Promise.all(
      [...groups].map(async ([p, group]) => {
        const got = await call(p, group.items);
        group.at.forEach((at, i) => (answers[at] = got[i]));
      }),
    );
    return answers;
  }

  /** Runs `call` on every partition at once. */
  everyPartition<R>(call: (p: number) => Promise<R>): Promise<R[]> {
    return Promise.all(Array.from({ length: this.count }, (_, p) => call(p)));
  }
}
