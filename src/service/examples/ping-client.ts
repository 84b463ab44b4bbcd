import { Agent as HttpAgent, type ClientRequest, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { printable } from '../../logging/printable';
import { PING_AGENT_OPTIONS } from './ping-agent-options';
import { PING_ALLOW_VARIABLE, PingOptions } from './ping-options';

/** A ping reads at most this much of a body; a larger one is dropped and fails the run. */
export const MAX_PING_BODY_BYTES = 64 * 1024;

/** Longest URL or server text quoted in an error. */
const QUOTE_MAX = 300;

/** A ping that was refused before it was sent, or whose answer was not a success. */
export class PingError extends Error {
  override readonly name = 'PingError';
}

/**
 * GETs URLs for the ping examples without letting a task turn the service into an amplifier:
 * http and https only, hosts limited by `DELAYTASK_PING_ALLOW`, no redirects followed, at most
 * 64 KiB of body read, and the run's abort signal honoured. Errors quote the URL and the server's
 * text escaped (`printable`), so neither can forge a log line.
 */
@Injectable()
export class PingClient implements OnApplicationShutdown {
  private readonly httpAgent = new HttpAgent(PING_AGENT_OPTIONS);
  private readonly httpsAgent = new HttpsAgent(PING_AGENT_OPTIONS);

  constructor(private readonly options: PingOptions) {}

  /** Resolves with the 2xx status; rejects with a PingError saying why, or the signal's reason. */
  async get(url: string, signal: AbortSignal): Promise<number> {
    const target = this.checked(url);
    signal.throwIfAborted();
    return await this.fetch(target, url, signal);
  }

  // Not onModuleDestroy: that runs before the engine drains its running tasks
  // (beforeApplicationShutdown), and would cut their requests short.
  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  // Errors and the quoted URL are made only when a ping fails: a burst of successful pings
  // would otherwise pay for a stack trace per run (the response's `close` follows its `end`).
  private fetch(target: URL, url: string, signal: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = this.send(target);
      let settled = false;
      const settle = (): boolean => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const fail = (reason: () => Error): void => {
        if (!settle()) return;
        request.destroy();
        reject(reason());
      };
      const failWith = (what: () => string): void =>
        fail(() => new PingError(`GET ${quoted(url)} ${what()}`));
      const onAbort = (): void =>
        fail(() =>
          signal.reason instanceof Error
            ? signal.reason
            : new PingError(`GET ${quoted(url)} aborted`),
        );
      signal.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) =>
        failWith(() => `failed: ${printable(error.message, QUOTE_MAX)}`),
      );
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        const refusal = refusalOf(status, response.statusMessage, response.headers.location);
        if (refusal !== undefined) return failWith(() => `answered ${refusal}`);
        const tooLarge = (): void => failWith(() => `answered ${status} with ${BODY_TOO_LARGE}`);
        if (Number(response.headers['content-length']) > MAX_PING_BODY_BYTES) return tooLarge();
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_PING_BODY_BYTES) tooLarge();
        });
        response.on('end', () => {
          if (settle()) resolve(status);
        });
        response.on('close', () =>
          failWith(() => `answered ${status}, then closed before the body ended`),
        );
      });
      request.end();
    });
  }

  private checked(url: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new PingError(`Url ${quoted(url)} is not a URL`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new PingError(
        `GET ${quoted(url)} refused: only http: and https: URLs are pinged, not ${printable(target.protocol)}`,
      );
    }
    if (!this.options.allows(target)) {
      throw new PingError(
        `GET ${quoted(url)} refused: host ${printable(target.host)} is not in ${PING_ALLOW_VARIABLE}`,
      );
    }
    return target;
  }

  private send(target: URL): ClientRequest {
    return target.protocol === 'https:'
      ? httpsRequest(target, { agent: this.httpsAgent, headers: HEADERS })
      : httpRequest(target, { agent: this.httpAgent, headers: HEADERS });
  }
}

const HEADERS = { 'user-agent': 'delaytask-ping' };

/** A URL as an error quotes it: escaped, so that it cannot forge a log line, and cut short. */
function quoted(url: string): string {
  return printable(url, QUOTE_MAX);
}

const BODY_TOO_LARGE = `a body over ${MAX_PING_BODY_BYTES} bytes (dropped)`;

/** Why a status fails the ping, or undefined for a success (2xx). */
function refusalOf(
  status: number,
  statusMessage: string | undefined,
  location: string | undefined,
): string | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status >= 300 && status < 400) {
    const target = location === undefined ? 'nowhere' : printable(location, QUOTE_MAX);
    return `${status}, a redirect to ${target}; pings follow no redirects`;
  }
  return `${status} ${printable(statusMessage ?? '', QUOTE_MAX)}`.trimEnd();
}
