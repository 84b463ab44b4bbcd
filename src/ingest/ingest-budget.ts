/** What the caller must do after a change of the budget: stop reading, read again, or nothing. */
export type ReadSwitch = 'stop' | 'resume' | undefined;

/**
 * Bytes of accepted messages held in memory until Redis takes them. Past `limitBytes` reading must
 * stop; it may resume once they are back under half of it, so that reading does not flap on and
 * off with every batch.
 */
export class IngestBudget {
  private used = 0;
  private stopped = false;

  constructor(readonly limitBytes: number) {}

  get heldBytes(): number {
    return this.used;
  }

  get readingStopped(): boolean {
    return this.stopped;
  }

  hold(bytes: number): ReadSwitch {
    this.used += bytes;
    if (this.stopped || this.used <= this.limitBytes) return undefined;
    this.stopped = true;
    return 'stop';
  }

  release(bytes: number): ReadSwitch {
    this.used -= bytes;
    if (!this.stopped || this.used >= this.limitBytes / 2) return undefined;
    this.stopped = false;
    return 'resume';
  }
}
