import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
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

  @EventPattern(TASK_MESSAGE_PATTERN)
  handle(@Payload() message: IncomingTaskMessage): void {
    this.ingest.submit(message);
  }
}
