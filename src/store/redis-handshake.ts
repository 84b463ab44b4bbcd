import type ConnectorConstructor from 'ioredis/built/connectors/ConnectorConstructor';
import type { ErrorEmitter } from 'ioredis/built/connectors/AbstractConnector';
// Not re-exported by ioredis' index; extending it keeps ioredis' own socket and TLS set-up.
import StandaloneConnector, {
  type StandaloneConnectionOptions,
} from 'ioredis/built/connectors/StandaloneConnector';
import type { NetStream } from 'ioredis/built/types';
import { printable } from '../logging/printable';

/** What every connection must establish before any command of ours may use it. */
export interface RedisHandshake {
  readonly username?: string;
  readonly password?: string;
  readonly db: number;
  /** Names the server in errors: its URL with the password redacted. */
  readonly server: string;
}

/** Redis refused the credentials or the database of the URL; reconnecting cannot help. */
export class RedisRefusedError extends Error {
  override readonly name = 'RedisRefusedError';

  constructor(server: string, command: string, reply: string) {
    super(`Redis at ${server} refused ${command}: ${printable(reply, 300)}`);
  }
}

/**
 * Error replies that say "not now" rather than "no": the connection is dropped and ioredis
 * reconnects with backoff, as after a network error.
 */
const TRANSIENT = /^(BUSY|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b|^ERR max number of clients/;

export type HandshakeReply = 'ok' | 'refused' | 'transient';

/** How one reply line (without its CRLF) to AUTH or SELECT ends the handshake. */
export function classifyHandshakeReply(line: string): HandshakeReply {
  if (line === '+OK') return 'ok';
  return TRANSIENT.test(line.slice(1)) ? 'transient' : 'refused';
}

interface Step {
  /** How errors name the command; never its arguments when they hold a password. */
  readonly label: string;
  readonly args: readonly string[];
}

function handshakeSteps({ username, password, db }: RedisHandshake): Step[] {
  const steps: Step[] = [];
  if (password !== undefined) {
    steps.push({
      label: 'AUTH',
      args: username ? ['AUTH', username, password] : ['AUTH', password],
    });
  } else if (username !== undefined) {
    steps.push({ label: 'AUTH', args: ['AUTH', username, ''] });
  }
  if (db !== 0) steps.push({ label: `SELECT ${db}`, args: ['SELECT', String(db)] });
  return steps;
}

function encode(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/**
 * An ioredis connector that authenticates and selects the database itself before it hands the
 * connection to ioredis. ioredis on its own sends AUTH, SELECT and its ready check in one go and
 * becomes ready (and flushes its offline queue) even when SELECT was refused, so commands would
 * run in database 0. Here ioredis never sees a connection whose AUTH or SELECT failed: a refusal
 * rejects the connect, which ends the client (`status` "end") with a RedisRefusedError; a dropped
 * or timed-out handshake hands back the dead socket, and ioredis reconnects as after any network
 * error. ioredis must then be given no password and db 0, or it would send them again.
 */
export function handshakeConnector(
  handshake: RedisHandshake,
  // The connector that opens the socket: to the host and port, or to the master the sentinels name.
  Base: typeof StandaloneConnector = StandaloneConnector,
): ConnectorConstructor {
  const steps = handshakeSteps(handshake);
  return class HandshakeConnector extends Base {
    private readonly timeoutMs: number;

    // ioredis passes its whole RedisOptions here.
    constructor(options: unknown) {
      const redisOptions = options as StandaloneConnectionOptions & { connectTimeout?: number };
      super(redisOptions);
      this.timeoutMs = redisOptions.connectTimeout || 10_000;
    }

    override async connect(emit: ErrorEmitter): Promise<NetStream> {
      const stream = await super.connect(emit);
      if (steps.length > 0) await exchange(stream, steps, this.timeoutMs, handshake.server);
      return stream;
    }
  };
}

/**
 * Sends the steps and reads one simple reply per step. Resolves when every reply is +OK or the
 * connection died; rejects with RedisRefusedError on a refusal.
 */
function exchange(
  stream: NetStream,
  steps: readonly Step[],
  timeoutMs: number,
  server: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    let answered = 0;
    const finish = (refusal?: RedisRefusedError): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('close', onClose);
      stream.off('error', ignore);
      if (refusal) reject(refusal);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      pending = Buffer.concat([pending, chunk]);
      for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
        const line = pending.subarray(0, end).toString();
        pending = pending.subarray(end + 2);
        const step = steps[answered++];
        const outcome = classifyHandshakeReply(line);
        if (outcome === 'refused') {
          stream.destroy();
          finish(new RedisRefusedError(server, step.label, line.replace(/^[-+]/, '')));
          return;
        }
        if (outcome === 'transient') {
          // The socket's first error is what ioredis reports before it reconnects.
          stream.destroy(
            new Error(`Redis at ${server} answered ${step.label}: ${printable(line)}`),
          );
          return;
        }
        if (answered === steps.length) {
          finish();
          return;
        }
      }
    };
    const onClose = (): void => finish();
    // Errors are kept as the connector's firstError; ioredis reports that one.
    const ignore = (): void => undefined;
    const timer = setTimeout(() => {
      const error = Object.assign(new Error('connect ETIMEDOUT'), {
        code: 'ETIMEDOUT',
        syscall: 'connect',
      });
      stream.destroy(error);
    }, timeoutMs);
    stream.on('data', onData);
    stream.once('close', onClose);
    stream.on('error', ignore);
    stream.write(steps.map((step) => encode(step.args)).join(''));
  });
}
