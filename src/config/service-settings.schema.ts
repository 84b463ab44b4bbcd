import { type DelayTaskLogLevel, type LogFormat } from '../logging/delay-task-logger';
import { DelayTaskOptionsSchema } from './delay-task-options.schema';
import { TextMatching, WholeNumber } from './setting-rules';

/** The engine's options and the service's own settings, which the engine knows nothing of. */
export class ServiceSettingsSchema extends DelayTaskOptionsSchema {
  /** Opens `GET /health` and the admin API at this port; none when absent. */
  @WholeNumber(1, 65_535) httpPort?: number;
  /** The address the HTTP port is bound to (default 127.0.0.1: this host only). */
  @TextMatching(/^[\w.:%-]+$/, 'a host name or IP address, e.g. 127.0.0.1, 0.0.0.0 or ::')
  httpHost?: string;
  /**
   * The bearer token the admin API asks for; none when absent. Any text is taken: a refused value
   * would be quoted in the error, and the token must never reach a log.
   */
  @TextMatching(/[^]/, 'any text') httpToken?: string;
  /** `text` (Nest's lines, the default) or `json` (one object per line). */
  @TextMatching(/^(?:text|json)$/, 'text or json') logFormat?: LogFormat;
  /** The least severe level logged (default `log`). */
  @TextMatching(/^(?:error|warn|log|debug|verbose)$/, 'error, warn, log, debug or verbose')
  logLevel?: DelayTaskLogLevel;
  /** `GET /health/ready` answers 503 while the oldest due task waits longer than this. */
  @WholeNumber(1000, 86_400_000, 'ms') readyMaxLagMs?: number;
  /** Data folder of the redis-server the service starts when no REDIS_URL is set and none answers. */
  @TextMatching(/\S/, 'a folder path') localRedisDir?: string;
}
