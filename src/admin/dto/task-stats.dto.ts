import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { TaskStats } from '../../store/operations-store';

@ApiSchema({ name: 'TaskStats' })
export class TaskStatsDto implements TaskStats {
  @ApiProperty({ description: 'Accepted tasks not yet finished, running ones included.' })
  pending!: number;

  @ApiProperty()
  running!: number;

  @ApiProperty({ description: 'Failed tasks kept for inspection.' })
  failed!: number;

  @ApiProperty()
  cancelled!: number;

  @ApiProperty({ description: 'Completed submissions remembered.' })
  done!: number;

  @ApiProperty({ description: 'Entries in the dead-letter list.' })
  deadLetters!: number;

  @ApiProperty({ description: 'How overdue the oldest due task not yet claimed is.' })
  oldestDueLagMs!: number;

  @ApiProperty({
    description:
      'Occurrences of periodic tasks skipped by their CatchUp or Overlap rule, since ever.',
  })
  missed!: number;

  @ApiProperty({
    description: 'Occurrences not run because they would have started past MaxLateness.',
  })
  expired!: number;
}
