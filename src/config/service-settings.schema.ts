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
  /** Data folder of the redis-server the service starts when no REDIS_URL is set and none answers. */
  @TextMatching(/\S/, 'a folder path') localRedisDir?: string;
}
