import { DelayTaskOptionsSchema } from './delay-task-options.schema';
import { TextMatching, WholeNumber } from './setting-rules';

/** The engine's options and the service's own settings, which the engine knows nothing of. */
export class ServiceSettingsSchema extends DelayTaskOptionsSchema {
  /** Opens `GET /health` on 127.0.0.1 at this port; none when absent. */
  @WholeNumber(1, 65_535) httpPort?: number;
  /** Data folder of the redis-server the service starts when no REDIS_URL is set and none answers. */
  @TextMatching(/\S/, 'a folder path') localRedisDir?: string;
}
