import { setFlagsFromString } from 'node:v8';

/** How far past its live objects the service lets V8 grow the old generation, in percent. */
const SERVICE_HEAP_GROWING_PERCENT = 50;

const FLAG = '--heap-growing-percent';

/**
 * Bounds how far V8 lets the old generation grow past what its last full GC left live: 50 %
 * rather than V8's own factor of up to 4×. A burst or a backlog passes most of its work through
 * objects that live a little too long for the young generation (a batch waiting for Redis, a run
 * waiting for its GET); V8 promotes them and, with its own factor, lets dead ones pile up to 2–4×
 * the live heap before it collects, and keeps the pages after. The service's live heap stays small
 * by design (far-future tasks stay in Redis), so collecting sooner costs little CPU and keeps the
 * resident memory near the live heap (bench/README.md, "A third sitting"). A process started
 * with its own `--heap-growing-percent` keeps it. V8 reads the flag at every full GC, so it applies
 * when set at start.
 */
export function boundHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): void {
  if (execArgv.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`))) return;
  setFlags(`${FLAG}=${SERVICE_HEAP_GROWING_PERCENT}`);
}
