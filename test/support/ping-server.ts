import { createServer, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Hit {
  /** The path without its leading slash: tests put the task ID there. */
  readonly key: string;
  /** When the request arrived: the handler had started. */
  readonly at: number;
  /** When the answer was handed to the connection (the handler could then finish). */
  finishedAt?: number;
  /** Set when the caller hung up before the answer was sent (its process died mid-request). */
  abortedAt?: number;
  /** Which connection carried it; the connections of one process all close when it is killed. */
  readonly socket: number;
}

/**
 * A local HTTP server that the ping handlers GET; it records each request's path and time.
 * `delayMs` holds every answer back, so handlers stay in flight long enough for a kill to catch
 * some of them (a clear in-flight set). Node's fetch keeps connections alive, so thousands of
 * pings a second cost few sockets.
 */
export class PingServer {
  readonly hits: Hit[] = [];
  /** How long each answer is held back (ms); may be changed at any time. */
  delayMs = 0;
  private server: Server | undefined;
  private port = 0;
  private nextSocket = 0;
  private readonly socketIds = new WeakMap<Socket, number>();
  private readonly socketClosedAt = new Map<number, number>();
  private readonly pending = new Set<NodeJS.Timeout>();

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const hit: Hit = {
        key: (request.url ?? '/').slice(1),
        at: Date.now(),
        socket: this.socketIds.get(request.socket) ?? -1,
      };
      this.hits.push(hit);
      const answer = (): void => {
        if (timer) this.pending.delete(timer);
        if (response.destroyed) return;
        response.end('pong', () => (hit.finishedAt ??= Date.now()));
      };
      response.once('close', () => {
        if (timer) {
          clearTimeout(timer);
          this.pending.delete(timer);
        }
        if (!response.writableFinished) hit.abortedAt = Date.now();
      });
      const timer = this.delayMs > 0 ? setTimeout(answer, this.delayMs) : undefined;
      if (timer) this.pending.add(timer);
      else answer();
    });
    this.server.keepAliveTimeout = 30_000;
    this.server.on('connection', (socket: Socket) => {
      const id = this.nextSocket++;
      this.socketIds.set(socket, id);
      socket.once('close', () => this.socketClosedAt.set(id, Date.now()));
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

  /** When the connection `socket` closed, if it has. */
  closedAt(socket: number): number | undefined {
    return this.socketClosedAt.get(socket);
  }

  async stop(): Promise<void> {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
