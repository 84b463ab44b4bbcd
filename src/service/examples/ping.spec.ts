import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoggerService } from '@nestjs/common';
import { payloadInstance } from '../../tasks/delay-task.decorator';
import type { TaskOf } from '../../tasks/delay-task-handler';
import type { TaskContext } from '../../tasks/task-context';
import { OncePingTask } from './once-ping.task';
import { MAX_PING_BODY_BYTES, PingClient, PingError } from './ping-client';
import { PingOptions } from './ping-options';
import { PingPayload } from './ping-payload';

/** A real HTTP server on a free port; each path answers in its own way. */
const ROUTES: Readonly<Record<string, (response: ServerResponse) => void>> = {
  '/ok': (response) => response.end('pong'),
  '/exact': (response) => response.end(Buffer.alloc(MAX_PING_BODY_BYTES)),
  '/declared-large': (response) => {
    response.setHeader('content-length', MAX_PING_BODY_BYTES + 1);
    response.end(Buffer.alloc(MAX_PING_BODY_BYTES + 1));
  },
  '/streamed-large': (response) => {
    // No content-length: the body is sent chunked, and only counting can catch it.
    for (let sent = 0; sent <= MAX_PING_BODY_BYTES; sent += 8192)
      response.write(Buffer.alloc(8192));
    response.end();
  },
  '/redirect': (response) => {
    // \u0085 (NEL) is a legal header byte, and a line break to some log readers.
    response.writeHead(302, { location: 'http://elsewhere.example/\u0085next' }).end();
  },
  '/fail': (response) => response.writeHead(500, 'Internal\u0085Error').end('boom'),
  '/hold': () => undefined,
};

describe('the ping examples against a local HTTP server', () => {
  const hits: string[] = [];
  const closedEarly: string[] = [];
  let connections = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/';
    hits.push(path);
    response.once('close', () => {
      if (!response.writableFinished) closedEarly.push(path);
    });
    const route = Object.entries(ROUTES).find(([prefix]) => path.startsWith(prefix));
    if (route) route[1](response);
    else response.writeHead(404).end();
  });
  server.on('connection', () => connections++);
  let base = '';
  const clients: PingClient[] = [];

  const client = (allow?: string): PingClient => {
    const created = new PingClient(PingOptions.fromEnv({ DELAYTASK_PING_ALLOW: allow }));
    clients.push(created);
    return created;
  };
  const get = (url: string, signal = new AbortController().signal): Promise<number> =>
    client().get(url, signal);

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    hits.length = 0;
    closedEarly.length = 0;
    connections = 0;
  });

  afterAll(async () => {
    for (const created of clients) created.onApplicationShutdown();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('GETs a URL and keeps the connection alive for the next ping', async () => {
    const pings = client();
    await expect(pings.get(`${base}/ok`, new AbortController().signal)).resolves.toBe(200);
    await expect(pings.get(`${base}/ok`, new AbortController().signal)).resolves.toBe(200);
    expect(hits).toEqual(['/ok', '/ok']);
    expect(connections).toBe(1);
  });

  it('follows no redirect: a 3xx fails naming the status and the escaped Location', async () => {
    await expect(get(`${base}/redirect`)).rejects.toThrow(
      new PingError(
        `GET ${base}/redirect answered 302, a redirect to http://elsewhere.example/\\u0085next; ` +
          'pings follow no redirects',
      ),
    );
    expect(hits).toEqual(['/redirect']);
  });

  it('reads a body of 64 KiB, and drops a larger one, declared or not, failing the run', async () => {
    await expect(get(`${base}/exact`)).resolves.toBe(200);
    for (const path of ['/declared-large', '/streamed-large']) {
      await expect(get(`${base}${path}`)).rejects.toThrow(
        new PingError(`GET ${base}${path} answered 200 with a body over 65536 bytes (dropped)`),
      );
    }
  });

  it('fails on a 5xx, quoting the status text escaped', async () => {
    await expect(get(`${base}/fail`)).rejects.toThrow(
      new PingError(`GET ${base}/fail answered 500 Internal\\u0085Error`),
    );
  });

  it('escapes a Url that would forge a log line', async () => {
    const forged = `${base}/fail\n[Nest] 1 - LOG forged line`;
    const failure = get(forged);
    await expect(failure).rejects.toThrow(/answered 500/);
    const message = ((await failure.catch((error: Error) => error)) as Error).message;
    expect(message).not.toMatch(/\n/);
    expect(message).toContain('/fail\\n[Nest] 1 - LOG forged line');
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/', 'data:,hello', 'javascript:alert(1)'])(
    'refuses %s without fetching anything',
    async (url) => {
      await expect(get(url)).rejects.toThrow(/refused: only http: and https: URLs are pinged/);
    },
  );

  it('refuses text that is not a URL', async () => {
    await expect(get('127.0.0.1/ok')).rejects.toThrow(
      new PingError('Url 127.0.0.1/ok is not a URL'),
    );
  });

  it('pings only hosts on DELAYTASK_PING_ALLOW, fetching nothing for the others', async () => {
    const { port } = new URL(base);
    const signal = new AbortController().signal;
    await expect(client(`127.0.0.1:${port}`).get(`${base}/ok`, signal)).resolves.toBe(200);
    await expect(client('127.0.0.1').get(`${base}/ok`, signal)).resolves.toBe(200);
    await expect(client(`127.0.0.1:${Number(port) + 1}`).get(`${base}/ok`, signal)).rejects.toThrow(
      new PingError(
        `GET ${base}/ok refused: host 127.0.0.1:${port} is not in DELAYTASK_PING_ALLOW`,
      ),
    );
    await expect(client('localhost,example.com').get(`${base}/ok`, signal)).rejects.toThrow(
      /is not in DELAYTASK_PING_ALLOW/,
    );
    expect(hits).toEqual(['/ok', '/ok']);
  });

  it('gives up when the signal aborts, with its reason, and hangs up on the server', async () => {
    const controller = new AbortController();
    const reason = new Error('task timed out');
    const pending = get(`${base}/hold`, controller.signal);
    await waitFor(() => hits.length === 1);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await waitFor(() => closedEarly.includes('/hold'));
  });

  it('sends nothing when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(get(`${base}/ok`, controller.signal)).rejects.toThrow('shutting down');
    expect(hits).toEqual([]);
  });

  describe('OncePingTask', () => {
    const logger: LoggerService = { log: jest.fn(), error: jest.fn(), warn: jest.fn() };
    const context: TaskContext = {
      signal: new AbortController().signal,
      scheduledAt: Date.now(),
      attempt: 1,
      fencingToken: 1,
      logger,
    };
    /** Runs the task as the runner does: its payload made an instance of the payload class. */
    const run = (payload: Record<string, unknown>): Promise<void> => {
      const instance = payloadInstance(PingPayload, payload) as TaskOf<PingPayload>['payload'];
      return new OncePingTask(client()).run(
        { id: '7', name: 'OncePingTask', payload: instance },
        context,
      );
    };

    it('pings the Url its payload class read as the seed does: exact name, else any case', async () => {
      await run({ url: `${base}/ok?lower` });
      await run({ URL: `${base}/ok?upper`, Url: `${base}/ok?exact` });
      expect(hits).toEqual(['/ok?lower', '/ok?exact']);
      expect(logger.log).toHaveBeenCalledWith(expect.stringMatching(/^OncePingTask 7 ToRunAt /));
    });

    it('fails a task without a Url (one stored before its type checked payloads)', async () => {
      await expect(run({ Link: `${base}/ok` })).rejects.toThrow(
        new PingError('task 7 has no Url to ping'),
      );
      expect(hits).toEqual([]);
    });
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
