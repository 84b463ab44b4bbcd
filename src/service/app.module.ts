import { Module } from '@nestjs/common';
import { delayTaskOptionsFromEnv } from '../config/env.config';
import { DelayTaskModule } from '../delay-task.module';
import { ExamplesModule } from './examples/examples.module';
import { HealthController } from './health.controller';

@Module({
  imports: [
    DelayTaskModule.forRootAsync({ useFactory: () => delayTaskOptionsFromEnv(process.env) }),
    ExamplesModule,
  ],
  controllers: [HealthController],
})
export class AppModule {}
