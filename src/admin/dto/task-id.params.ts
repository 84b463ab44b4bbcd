import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString } from 'class-validator';

export class TaskIdParams {
  @ApiProperty({ description: 'The task ID.', example: '1000000000123' })
  @IsString()
  @IsNotEmpty()
  id!: string;
}
