import { FieldError } from '../task-fields';

/**
 * Why a parse step turned a message down. `id` is the message's ID once it has been validated, so
 * the dead-letter entry and the log line can name the task; rejections found before that have none.
 */
export class Rejection {
  readonly reason: string;

  constructor(
    reason: string | FieldError,
    readonly id?: string,
  ) {
    this.reason = typeof reason === 'string' ? reason : reason.message;
  }
}
