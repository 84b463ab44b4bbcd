/** The reason a handler's signal carries when its task ran past `Timeout`. */
export class TaskTimeoutError extends Error {
  constructor(taskId: string, timeoutMs: number) {
    super(`task ${taskId} timed out after ${timeoutMs} ms`);
    this.name = 'TaskTimeoutError';
  }
}
