const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const encoder = new TextEncoder();

/**
 * The partition (0 to count - 1) that holds task `id`: 32-bit FNV-1a of the ID's UTF-8 bytes,
 * finished with MurmurHash3's fmix32, modulo `count`. A pure function of the ID, so that every
 * instance, the CLI and a producer find a task's keys (a resubmission, a cancel, a lookup) without
 * asking anyone; a few lines in any language, so other producers can compute it too. The finisher
 * because FNV-1a alone leaves its low bits poorly mixed: sequential IDs ("abcd:1", "abcd:2", …)
 * put 38 % more than their share in some of 58 partitions; finished, they spread evenly.
 * Changing `count` moves tasks: keep it fixed for a prefix's data.
 */
export function partitionOf(id: string, count: number): number {
  if (count === 1) return 0;
  let hash = FNV_OFFSET;
  for (const byte of encoder.encode(id)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return fmix32(hash) % count;
}

/** MurmurHash3's finisher: every input bit reaches every output bit. */
function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
