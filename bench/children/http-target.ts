/**
 * The HTTP server the `burst-http` scenario's handlers GET (both systems'): answers every request
 * at once with `200 ok`, keeping the connection open (HTTP/1.1 keep-alive). It is a few lines on
 * `node:net` rather than `node:http`, so that the server costs as little CPU as it can on a small
 * machine it shares with the measured processes; it speaks enough HTTP/1.1 for GETs without a
 * body, which is all the handlers send. It counts requests and connections and tells the harness
 * when asked (`{ type: 'count' }`). Env: BENCH_HTTP_PORT (127.0.0.1).
 */
import { createServer, type Socket } from 'node:net';

const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nKeep-Alive: timeout=60\r\n\r\nok',
  'latin1',
);
const END_OF_HEAD = '\r\n\r\n';

let requests = 0;
let connections = 0;
const open = new Set<Socket>();

const server = createServer((socket) => {
  connections++;
  open.add(socket);
  socket.setNoDelay(true);
  // The end of a request head may straddle two chunks: the last 3 characters are kept.
  let tail = '';
  socket.on('data', (chunk: Buffer) => {
    const text = tail + chunk.toString('latin1');
    let count = 0;
    let at = text.indexOf(END_OF_HEAD);
    let after = 0;
    while (at !== -1) {
      count++;
      after = at + END_OF_HEAD.length;
      at = text.indexOf(END_OF_HEAD, after);
    }
    tail = text.slice(Math.max(after, text.length - 3));
    if (count === 0) return;
    requests += count;
    socket.write(count === 1 ? RESPONSE : Buffer.concat(Array(count).fill(RESPONSE)));
  });
  socket.on('error', () => undefined);
  socket.on('close', () => open.delete(socket));
});

process.on('message', (message: { type?: string }) => {
  if (message.type === 'count') {
    process.send?.({ type: 'count', requests, connections, open: open.size });
  }
});

server.listen(Number(process.env.BENCH_HTTP_PORT), '127.0.0.1', () => {
  console.log(`Ready: HTTP on 127.0.0.1:${process.env.BENCH_HTTP_PORT}`);
  process.send?.({ type: 'ready' });
});

process.on('SIGTERM', () => {
  console.log(`${requests} requests on ${connections} connections`);
  for (const socket of open) socket.destroy();
  server.close(() => process.exit(0));
});
