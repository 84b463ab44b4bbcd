/**
 * An accept reached the master but not the replicas asked for within the timeout: it is not
 * acknowledged, as a failover now could lose it. Callers treat it as any failed accept (the
 * stream inbox reads its batch again; `send` and POST /tasks answer an error); accepting the
 * same submission again is safe (a duplicate).
 */
export class ReplicaAckError extends Error {
  override readonly name = 'ReplicaAckError';

  constructor(
    readonly acknowledged: number,
    readonly wanted: number,
    readonly timeoutMs: number,
  ) {
    super(`${acknowledged} of ${wanted} replica(s) acknowledged within ${timeoutMs} ms`);
  }
}
