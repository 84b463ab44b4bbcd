import { Counter, type Registry } from 'prom-client';

/**
 * A prom-client counter whose values, per label set, are read from `read` at each scrape: the
 * count is kept elsewhere in a plain number (cheap to increment on the engine's path; prom-client's
 * own `inc` builds a label object and a key string on every call).
 */
export function scrapedCounter<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames?: readonly L[] },
  read: () => readonly (readonly [Partial<Record<L, string>>, number])[],
): void {
  new Counter<L>({
    ...config,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}
