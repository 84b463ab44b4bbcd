import { InvalidEnvError } from '../../config/errors/invalid-env.error';

type Env = Readonly<Record<string, string | undefined>>;

export const PING_ALLOW_VARIABLE = 'DELAYTASK_PING_ALLOW';

/** A hostname, or an IPv6 address in brackets, then an optional port. */
const ENTRY = /^(\[[0-9a-f:.]+\]|[^\s:/?#@[\]\\]+)(?::(\d{1,5}))?$/i;

const DEFAULT_PORTS: Readonly<Record<string, string>> = { 'http:': '80', 'https:': '443' };

/** The ping examples' own settings (not the engine's). */
export class PingOptions {
  /**
   * @param allowedHosts hostnames (any port) and `hostname:port` pairs a ping may reach, as the
   *   WHATWG URL parser writes them; undefined lets a ping reach any host, as the seed does.
   */
  constructor(private readonly allowedHosts?: ReadonlySet<string>) {}

  /** Reads `DELAYTASK_PING_ALLOW` (`127.0.0.1:8080,example.com`); a bad entry throws naming it. */
  static fromEnv(env: Env): PingOptions {
    const text = env[PING_ALLOW_VARIABLE];
    if (text === undefined || text.trim() === '') return new PingOptions();
    return new PingOptions(
      new Set(text.split(',').map((entry) => allowedHost(entry.trim(), text))),
    );
  }

  /** True when the URL's host, or its host and port, may be pinged. */
  allows(url: URL): boolean {
    if (!this.allowedHosts) return true;
    const port = url.port || DEFAULT_PORTS[url.protocol];
    return this.allowedHosts.has(url.hostname) || this.allowedHosts.has(`${url.hostname}:${port}`);
  }
}

function allowedHost(entry: string, text: string): string {
  const match = ENTRY.exec(entry);
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  let hostname: string | undefined;
  try {
    // The URL parser normalises the name (case, IDNA, IPv4 forms) as it does for the pinged URLs.
    if (match) hostname = new URL(`http://${match[1]}`).hostname;
  } catch {
    hostname = undefined;
  }
  if (hostname === undefined || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new InvalidEnvError(
      PING_ALLOW_VARIABLE,
      text,
      `comma-separated hostnames or host:port pairs, e.g. 127.0.0.1:8080,example.com ` +
        `(${JSON.stringify(entry)} is neither)`,
    );
  }
  return port === undefined ? hostname : `${hostname}:${port}`;
}
