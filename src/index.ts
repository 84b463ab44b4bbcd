/** The public API for apps that embed the engine. */
export { DelayTaskModule } from './delay-task.module';
export { closeOnSignals } from './engine/close-on-signals';
export type { DelayTaskModuleOptions } from './delay-task.module-definition';
export type { DelayTaskOptions } from './config/delay-task-options.interface';
export {
  delayTaskOptionsFromEnv,
  delayTaskOptionsFromEnvironment,
} from './config/options-from-environment';
export { validateDelayTaskEnvironment } from './config/validate-environment';
export type { DelayTaskEnvironment } from './config/environment';
export { DelayTaskTransport } from './ingest/delay-task.transport';
export { DelayTask, type TaskTypeOptions } from './tasks/delay-task.decorator';
export { DelayTaskHandler } from './tasks/delay-task-handler';
export type { TaskOf } from './tasks/delay-task-handler';
export type { TaskContext } from './tasks/task-context';
export { TaskAbortedError, type AbortKind } from './tasks/errors/task-aborted.error';
export type { TaskSpec } from './domain/task-spec';
export { TaskRegistry, type TaskType } from './tasks/task-registry';
export {
  TaskOperations,
  type CancelAnswer,
  type ListQuery,
  type RequeueAnswer,
} from './operations/task-operations.service';
export type { TaskView } from './operations/task-view';
export type { TaskState, TaskStats } from './store/operations-store';
export type { ScheduleAnswer } from './ingest/task-ingest.service';
export { TASK_STORE } from './delay-task.constants';
export type { TaskStore } from './store/task-store';
export { DelayTaskAdminModule } from './admin/delay-task-admin.module';
export type { DelayTaskAdminOptions } from './admin/admin.module-definition';
export { setupDelayTaskOpenApi, type DelayTaskOpenApiOptions } from './admin/open-api';
export {
  DelayTaskClient,
  SCHEDULE_PATTERN,
  type DelayTaskClientOptions,
} from './client/delay-task.client';
export { TaskRejectedError } from './client/task-rejected.error';
export { DelayTaskObservabilityModule } from './observability/delay-task-observability.module';
export type { DelayTaskObservabilityOptions } from './observability/observability.module-definition';
export { ObservabilityMetrics } from './observability/observability-metrics.service';
export {
  EngineEvents,
  type EngineObserver,
  type IngestResult,
  type LeaseLoss,
  type ObservedRun,
  type RunEnd,
  type RunSettlement,
  type SkipReason,
} from './events/engine-events';
export {
  DelayTaskLogger,
  type DelayTaskLoggerOptions,
  type DelayTaskLogLevel,
  type LogFormat,
} from './logging/delay-task-logger';
export { TaskLogLine, type TaskLogFields } from './logging/task-log-line';
