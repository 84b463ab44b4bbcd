import { Controller } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { TASK_MESSAGE_PATTERN } from '../delay-task.constants';
import { TaskIngestService } from './task-ingest.service';
import type { IncomingTaskMessage } from './task-message.deserializer';

/**
 * The Redis-transport entry point: seed JSON published on `<prefix><topic>` and Nest
 * `client.emit('<prefix><topic>', task)` envelopes both arrive here (the transport maps
 * `TASK_MESSAGE_PATTERN` to the configured channel).
 */
@Controller()
export class TaskIngestController {
  constructor(private readonly ingest: TaskIngestService) {}

  // No @Payload(): Nest hands an event's data to the first parameter anyway, and a parameter
  // decorator adds a pipes step per message (an async call and a Promise.all, a tenth of ingest's
  // garbage in a burst). Pipes have no part here: ingest checks every message itself and keeps
  // the refused ones as dead letters, which a global pipe's exception would bypass.
  @EventPattern(TASK_MESSAGE_PATTERN)
  handle(message: IncomingTaskMessage): void {
    this.ingest.submit(message);
  }
}
