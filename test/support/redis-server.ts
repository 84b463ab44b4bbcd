import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServerOptions {
  /** Append-only file with `appendfsync always` (survives kill + restart); default off. */
  appendonly?: boolean;
  /** How many databases the server has (`--databases`); Redis's default is 16. */
  databases?: number;
  /** Also serve TLS on `tlsPort`, with this certificate and key (PEM files); clients need none. */
  tls?: { certFile: string; keyFile: string };
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const PORT_ATTEMPTS = 5;

/** A private redis-server for one test file: free port, fresh temp dir, removed on process exit. */
export class RedisServerProcess {
  readonly dir = mkdtempSync(join(tmpdir(), 'delaytask-redis-'));
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private log = '';
  private currentPort = 0;
  private currentTlsPort = 0;

  constructor(private options: RedisServerOptions = {}) {
    live.add(this);
  }

  /** Creates and starts a server. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(options);
    await server.start();
    return server;
  }

  get port(): number {
    if (this.currentPort === 0) throw new Error('RedisServerProcess: start() it first');
    return this.currentPort;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The TLS port, when started with `tls`. */
  get tlsPort(): number {
    if (this.currentTlsPort === 0) throw new Error('RedisServerProcess: started without tls');
    return this.currentTlsPort;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts on a free port, retrying with another port if one is taken meanwhile. */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch(await freePort());
        return;
      } catch (error) {
        if (!(error instanceof PortInUse) || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Starts again on the same port and dir, so an append-only file is reloaded; `changes` replace
   * options for this and later starts (e.g. fewer `databases`).
   */
  async restart(changes: RedisServerOptions = {}): Promise<void> {
    if (this.child) throw new Error('RedisServerProcess: stop() or kill() before restart()');
    this.options = { ...this.options, ...changes };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch(this.port);
        return;
      } catch (error) {
        if (!(error instanceof PortInUse) || attempt >= PORT_ATTEMPTS) throw error;
        await sleep(200);
      }
    }
  }

  /** SIGTERM and wait for exit (SIGKILL after 10 s). The data dir is kept for restart(). */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  /** SIGKILL and wait for exit, like a crash. The data dir is kept for restart(). */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Stops the server if running and deletes its data dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }

  /** Synchronous last-resort cleanup when the test process exits without dispose(). */
  cleanupSync(): void {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const { child, exited } = this;
    if (!child || !exited) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private async launch(port: number): Promise<void> {
    const persistence = this.options.appendonly
      ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
      : ['--appendonly', 'no', '--save', ''];
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', this.dir];
    args.push('--daemonize', 'no', '--protected-mode', 'no', ...persistence);
    if (this.options.databases !== undefined) {
      args.push('--databases', String(this.options.databases));
    }
    const { tls } = this.options;
    if (tls) {
      this.currentTlsPort ||= await freePort();
      args.push('--tls-port', String(this.currentTlsPort), '--tls-auth-clients', 'no');
      args.push('--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile);
    }
    this.log = '';
    const child = spawn(redisServerBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onOutput = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-8000));
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    let hasExited = false;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        hasExited = true;
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('error', (error) => {
        this.log += String(error);
        hasExited = true;
        this.child = undefined;
        resolve();
      });
    });
    this.child = child;

    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!hasExited && Date.now() < deadline) {
      if (child.pid && (await answersAsProcess(port, child.pid))) {
        this.currentPort = port;
        return;
      }
      await sleep(25);
    }
    if (!hasExited) await this.kill();
    if (/address already in use/i.test(this.log)) throw new PortInUse(port);
    throw new Error(
      `redis-server on port ${port} (dir ${this.dir}) did not become ready:\n${this.log}`,
    );
  }
}

class PortInUse extends Error {
  override readonly name = 'PortInUse';
  constructor(port: number) {
    super(`port ${port} is already in use`);
  }
}

const live = new Set<RedisServerProcess>();
process.once('exit', () => {
  for (const server of live) server.cleanupSync();
});

function redisServerBinary(): string {
  const fromEnv = process.env.REDIS_SERVER_BIN;
  const candidates = fromEnv
    ? [fromEnv]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'redis-server'));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  throw new Error(
    'redis-server was not found on PATH; e2e tests start their own Redis. Install it ' +
      '(`apt-get install redis-server`) or set REDIS_SERVER_BIN to its path.',
  );
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when the server on `port` answers PING and reports process id `pid` (it is ours). */
function answersAsProcess(port: number, pid: number): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.on('connect', () => socket.write('PING\r\nINFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.startsWith('-')) done(false);
      else if (reply.startsWith('+PONG') && reply.includes(`process_id:${pid}\r\n`)) done(true);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
