import type { PingServer } from './ping-server';
import { eventually } from './publish';

/**
 * Sends ping tasks `burst-0`, `burst-1`, … one by one until stopped, each retried every 100 ms
 * until it is acknowledged: what a producer that cannot afford to lose a task does through a
 * failover. `accepted` holds what was acknowledged, which must all run.
 */
export class AcknowledgedBurst {
  readonly accepted = new Set<string>();
  /** Sends refused (the failover in progress), each retried. */
  refused = 0;
  private stopped = false;
  private readonly sending: Promise<void>;

  /** `send` stores one task due at `dueMs` and resolves once it is acknowledged. */
  constructor(send: (id: string, dueMs: number) => Promise<unknown>, firstDueMs: number) {
    this.sending = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const id = `burst-${i}`;
        for (;;) {
          try {
            await send(id, Math.max(firstDueMs, Date.now() + 500));
            this.accepted.add(id);
            break;
          } catch {
            this.refused++;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
    })();
  }

  /** Waits until `more` further tasks were acknowledged. */
  async acknowledged(more: number, what: string, timeoutMs?: number): Promise<void> {
    const target = this.accepted.size + more;
    await eventually(() => this.accepted.size >= target, what, timeoutMs);
  }

  /** Stops sending once the task on its way is acknowledged. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.sending;
  }

  /** Waits until every acknowledged task reached `ping`; returns those that reached it twice. */
  async everyAcceptedRan(ping: PingServer): Promise<string[]> {
    await eventually(
      () => [...this.accepted].every((id) => (ping.counts().get(id) ?? 0) >= 1),
      'every accepted task to run',
      30_000,
    );
    return [...this.accepted].filter((id) => (ping.counts().get(id) ?? 0) > 1);
  }
}
