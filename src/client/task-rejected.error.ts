/** A task `send('schedule', task)` refused, with the reason ingest gives (nothing was written). */
export class TaskRejectedError extends Error {
  override readonly name = 'TaskRejectedError';

  constructor(readonly reason: string) {
    super(`task refused: ${reason}`);
  }
}
