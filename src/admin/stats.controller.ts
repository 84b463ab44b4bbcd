import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TaskOperations } from '../operations/task-operations.service';
import { AdminApi } from './admin-api.decorator';
import { TaskStatsDto } from './dto/task-stats.dto';

@ApiTags('stats')
@AdminApi()
@Controller('stats')
export class StatsController {
  constructor(private readonly operations: TaskOperations) {}

  @Get()
  @ApiOperation({ summary: 'Count the tasks in each state' })
  @ApiOkResponse({ type: TaskStatsDto })
  stats(): Promise<TaskStatsDto> {
    return this.operations.stats();
  }
}
