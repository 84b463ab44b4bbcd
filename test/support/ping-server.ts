import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  /** The path without its leading slash: tests put the task ID there. */
  readonly key: string;
  readonly at: number;
}

/** A local HTTP server that the ping handlers GET; it records each request's path and time. */
export class PingServer {
  readonly hits: Hit[] = [];
  private server: Server | undefined;
  private port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.hits.push({ key: (request.url ?? '/').slice(1), at: Date.now() });
      response.end('pong');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(key: string): string {
    return `http://127.0.0.1:${this.port}/${key}`;
  }

  count(key: string): number {
    return this.hits.filter((hit) => hit.key === key).length;
  }

  /** Hits per key, for exactly-once checks over many tasks. */
  counts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const { key } of this.hits) counts.set(key, (counts.get(key) ?? 0) + 1);
    return counts;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
