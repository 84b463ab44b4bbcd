import { Logger, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { DelayTaskAdminModule } from '../admin/delay-task-admin.module';
import type { DelayTaskEnvironment } from '../config/environment';
import { delayTaskOptionsFromEnvironment } from '../config/options-from-environment';
import { validateDelayTaskEnvironment } from '../config/validate-environment';
import { DelayTaskModule } from '../delay-task.module';
import type { DelayTaskModuleOptions } from '../delay-task.module-definition';
import { DelayTaskObservabilityModule } from '../observability/delay-task-observability.module';
import { ExamplesModule } from './examples/examples.module';
import { HealthController } from './health.controller';
import { DEFAULT_LOCAL_REDIS_DIR, ensureLocalRedis } from './local-redis-server';

/**
 * The environment, with a .env file of the working directory, checked as this file is loaded: a
 * bad value rejects it, naming the variable. main.ts awaits it first, so that a bad start stops
 * there with that one line, before anything connects.
 */
export const checkedEnvironment = ConfigModule.forRoot({ validate: validateDelayTaskEnvironment });

@Module({
  imports: [
    checkedEnvironment,
    // The app's scheduler registry: the engine lists its interval jobs there (delaytask:…).
    ScheduleModule.forRoot(),
    DelayTaskModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: async (
        config: ConfigService<DelayTaskEnvironment, true>,
      ): Promise<DelayTaskModuleOptions> => {
        // The quick start: given no REDIS_URL nor REDIS_CLUSTER_NODES (an empty one is unset
        // too), the service brings its own Redis when none answers at the default URL.
        if (
          !config.get('REDIS_URL', { infer: true }) &&
          !config.get('REDIS_CLUSTER_NODES', { infer: true })
        ) {
          const dir = config.get('DELAYTASK_LOCAL_REDIS_DIR', { infer: true });
          await ensureLocalRedis(dir || DEFAULT_LOCAL_REDIS_DIR, new Logger('LocalRedis'));
        }
        return delayTaskOptionsFromEnvironment(config);
      },
    }),
    // The admin API, served with /health when DELAYTASK_HTTP_PORT is set (main.ts).
    DelayTaskAdminModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService<DelayTaskEnvironment, true>) => ({
        token: config.get('DELAYTASK_HTTP_TOKEN', { infer: true }),
      }),
    }),
    // /metrics, /health/live, /health/ready and the status page at /, with the admin token.
    DelayTaskObservabilityModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService<DelayTaskEnvironment, true>) => ({
        token: config.get('DELAYTASK_HTTP_TOKEN', { infer: true }),
        readyMaxLagMs: config.get('DELAYTASK_READY_MAX_LAG_MS', { infer: true }),
      }),
    }),
    ExamplesModule,
  ],
  controllers: [HealthController],
})
export class AppModule {}
