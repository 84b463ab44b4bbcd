import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ScheduledTask, ScheduleStatus } from '../../operations/scheduled-task';

/** Every status once: the compiler refuses this table when ScheduleStatus changes. */
const STATUSES: Readonly<Record<ScheduleStatus, true>> = {
  stored: true,
  duplicate: true,
  rescheduled: true,
  completed: true,
};

@ApiSchema({ name: 'ScheduleAnswer' })
export class ScheduleAnswerDto implements ScheduledTask {
  @ApiProperty({ description: 'The task ID (derived from the body when it had none).' })
  id!: string;

  @ApiProperty({
    enum: Object.keys(STATUSES),
    description:
      'stored: new; duplicate: this content is already pending, or is a stale replay of ' +
      'content the ID held before (ignored); rescheduled: the ID held other content, now ' +
      'replaced; completed: this content already ran and is not run again.',
  })
  status!: ScheduleStatus;
}
