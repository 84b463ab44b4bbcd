import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { delayTaskOptionsFromEnv } from '../config/env.config';
import { DelayTaskModule } from '../delay-task.module';
import { ExamplesModule } from './examples/examples.module';
import { HealthController } from './health.controller';

@Module({
  imports: [
    // The app's scheduler registry: the engine lists its interval jobs there (delaytask:…).
    ScheduleModule.forRoot(),
    DelayTaskModule.forRootAsync({ useFactory: () => delayTaskOptionsFromEnv(process.env) }),
    ExamplesModule,
  ],
  controllers: [HealthController],
})
export class AppModule {}
