import { Module } from '@nestjs/common';
import { DelayTaskAdminConfigurableModule } from './admin.module-definition';
import { BearerTokenGuard } from './bearer-token.guard';
import { StatsController } from './stats.controller';
import { TasksController } from './tasks.controller';

/**
 * The admin HTTP API: `/tasks` and `/stats` over `TaskOperations`, which the app's
 * `DelayTaskModule` provides. Import `DelayTaskAdminModule.forRoot({ token })` (or `forRootAsync`)
 * beside it, create the app with `{ rawBody: true }` (tasks are taken as sent), and
 * `setupDelayTaskOpenApi(app)` serves the OpenAPI document.
 */
@Module({
  controllers: [TasksController, StatsController],
  providers: [BearerTokenGuard],
})
export class DelayTaskAdminModule extends DelayTaskAdminConfigurableModule {}
