import { hostname } from 'node:os';

/** Unix milliseconds; the generator only needs `now()`. */
export interface SnowflakeClock {
  now(): number;
}

/** 2020-01-01T00:00:00Z: 41 bits of milliseconds from here last until 2089. */
export const SNOWFLAKE_EPOCH_MS = Date.UTC(2020, 0, 1);
export const NODE_BITS = 10;
export const SEQUENCE_BITS = 12;
export const MAX_NODE_ID = (1 << NODE_BITS) - 1;
export const MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1;
const MAX_ELAPSED_MS = 2 ** 41 - 1;

const systemClock: SnowflakeClock = { now: () => Date.now() };

/** FNV-1a over `hostname:pid`, folded to 10 bits. */
export function defaultNodeId(host: string = hostname(), pid: number = process.pid): number {
  const text = `${host}:${pid}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash ^ (hash >>> NODE_BITS) ^ (hash >>> (2 * NODE_BITS))) & MAX_NODE_ID;
}

export interface SnowflakeParts {
  timeMs: number;
  nodeId: number;
  sequence: number;
}

/**
 * Snowflake IDs like the seed's tracer: 41 bits of milliseconds since 2020-01-01, 10 bits of node,
 * 12 bits of sequence, as a decimal string (a positive int64).
 *
 * Within one generator the IDs strictly increase, also when the clock steps back (the last time is
 * kept) and under bursts: after 4096 IDs in one millisecond the generator borrows the next
 * millisecond instead of waiting for it, so `next()` never blocks; the borrowed time is given back
 * as soon as the clock catches up. Uniqueness across generators rests on distinct node IDs: use one
 * generator per process, and give each process an explicit node ID when several share a
 * deployment (the hostname+pid hash has only 1024 values).
 */
export class SnowflakeIdGenerator {
  readonly nodeId: number;
  private readonly nodeBits: bigint;
  private lastMs = -Infinity;
  private sequence = 0;
  private timeBits = 0n;

  constructor(
    private readonly clock: SnowflakeClock = systemClock,
    nodeId: number = defaultNodeId(),
  ) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > MAX_NODE_ID) {
      throw new RangeError(
        `snowflake node ID must be an integer from 0 to ${MAX_NODE_ID}, got ${nodeId}`,
      );
    }
    this.nodeId = nodeId;
    this.nodeBits = BigInt(nodeId) << BigInt(SEQUENCE_BITS);
  }

  /** The next ID, e.g. `"7189431264178176001"`. */
  next(): string {
    const nowMs = Math.floor(this.clock.now());
    if (!Number.isFinite(nowMs)) throw new RangeError(`clock reads ${nowMs}, not a time`);
    if (nowMs > this.lastMs) {
      this.setTime(nowMs);
      this.sequence = 0;
    } else if (this.sequence < MAX_SEQUENCE) {
      this.sequence++;
    } else {
      this.setTime(this.lastMs + 1); // sequence exhausted: borrow the next millisecond
      this.sequence = 0;
    }
    return (this.timeBits | this.nodeBits | BigInt(this.sequence)).toString();
  }

  /** The time, node and sequence inside an ID. */
  static decode(id: string): SnowflakeParts {
    const value = BigInt(id);
    return {
      timeMs: Number(value >> BigInt(NODE_BITS + SEQUENCE_BITS)) + SNOWFLAKE_EPOCH_MS,
      nodeId: Number((value >> BigInt(SEQUENCE_BITS)) & BigInt(MAX_NODE_ID)),
      sequence: Number(value & BigInt(MAX_SEQUENCE)),
    };
  }

  private setTime(ms: number): void {
    const elapsed = ms - SNOWFLAKE_EPOCH_MS;
    if (!Number.isSafeInteger(elapsed) || elapsed < 0 || elapsed > MAX_ELAPSED_MS) {
      throw new RangeError(
        `clock reads ${ms}, outside the snowflake range 2020-01-01 .. 2089 (41 bits of milliseconds)`,
      );
    }
    this.lastMs = ms;
    this.timeBits = BigInt(elapsed) << BigInt(NODE_BITS + SEQUENCE_BITS);
  }
}
