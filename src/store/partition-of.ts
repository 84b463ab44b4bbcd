const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/**
 * The partition (0 to count - 1) that holds task `id`: 32-bit FNV-1a of the ID's UTF-8 bytes,
 * modulo `count`. A pure function of the ID, so that every instance, the CLI and a producer find
 * a task's keys (a resubmission, a cancel, a lookup) without asking anyone. FNV-1a because it is
 * a few lines in any language, so other producers can compute it too, and spreads short
 * sequential IDs ("1000000000123", "…124") evenly. Changing `count` moves tasks: keep it fixed
 * for a prefix's data.
 */
export function partitionOf(id: string, count: number): number {
  if (count === 1) return 0;
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash % count;
}
