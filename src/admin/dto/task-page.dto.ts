import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { TaskViewDto } from './task-view.dto';

@ApiSchema({ name: 'TaskPage' })
export class TaskPageDto {
  @ApiProperty({ type: [TaskViewDto] })
  tasks!: TaskViewDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass it as `cursor` for the next page; null on the last page.',
  })
  cursor!: string | null;
}
