import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type { TaskRules, TaskView } from '../../operations/task-view';
import type { TaskState } from '../../store/operations-store';
import { TASK_STATES } from '../../store/operations-store';

@ApiSchema({ name: 'Task', description: 'A task as Redis holds it at one instant.' })
export class TaskViewDto implements TaskView {
  @ApiProperty({ example: '1000000000123' })
  id!: string;

  @ApiProperty({ example: 'OncePingTask' })
  name!: string;

  @ApiProperty({ enum: TASK_STATES })
  state!: TaskState;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Pending or running: when the current occurrence is (was) due.',
  })
  dueAt?: string;

  @ApiProperty({ description: 'Starts of the current occurrence (of the failed one, if failed).' })
  attempt!: number;

  @ApiPropertyOptional({ description: 'Periodic tasks: seconds between occurrences.' })
  interval?: number;

  @ApiPropertyOptional({ description: 'Cron tasks: the calendar.', example: '0 2 * * *' })
  cron?: string;

  @ApiPropertyOptional({ description: 'Cron tasks: the time zone it is read in (absent: UTC).' })
  timeZone?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'The last allowed occurrence.' })
  endTime?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'The occurrence rules sent with the task (dstRepeated, dstSkipped, catchUp, catchUpMax, ' +
      'overlap, jitter and maxLateness in seconds); absent ones are the defaults.',
    example: { catchUp: 'skip', maxLateness: 600 },
  })
  rules?: TaskRules;

  @ApiPropertyOptional({ description: "The last failure's error." })
  lastError?: string;

  @ApiPropertyOptional({
    description: 'How the last failure came about: error, timeout, expired (MaxLateness), stalled.',
  })
  lastOutcome?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Failed, cancelled or done: when.' })
  finishedAt?: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The handler's own fields.",
    example: { Url: 'http://127.0.0.1:8080/' },
  })
  payload!: Readonly<Record<string, unknown>>;
}
