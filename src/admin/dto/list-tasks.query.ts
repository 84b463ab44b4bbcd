import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
import type { ListQuery } from '../../operations/task-operations.service';
import type { TaskState } from '../../store/operations-store';
import { MAX_PAGE_SIZE, TASK_STATES } from '../../store/operations-store';

export class ListTasksQuery implements ListQuery {
  @ApiProperty({ enum: TASK_STATES, description: 'The state to list.' })
  @IsIn(TASK_STATES)
  state!: TaskState;

  @ApiPropertyOptional({
    description: 'Only tasks of this type; filters each page, so a page may hold fewer tasks.',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  name?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit = 100;

  @ApiPropertyOptional({ description: "The previous page's cursor." })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  cursor?: string;
}
