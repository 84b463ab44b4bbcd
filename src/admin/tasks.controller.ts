import {
  BadRequestException,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { scheduledTask } from '../operations/scheduled-task';
import { TaskOperations } from '../operations/task-operations.service';
import { AdminApi } from './admin-api.decorator';
import { ErrorDto } from './dto/error.dto';
import { ListTasksQuery } from './dto/list-tasks.query';
import { ScheduleAnswerDto } from './dto/schedule-answer.dto';
import { TaskIdParams } from './dto/task-id.params';
import { TaskMessageDto } from './dto/task-message.dto';
import { TaskPageDto } from './dto/task-page.dto';
import { TaskViewDto } from './dto/task-view.dto';
import { TaskText } from './task-text.decorator';

/** Tasks, one by one: schedule, inspect, list, cancel, requeue (TaskOperations over HTTP). */
@ApiTags('tasks')
@AdminApi()
@Controller('tasks')
export class TasksController {
  constructor(private readonly operations: TaskOperations) {}

  @Post()
  @ApiOperation({
    summary: 'Schedule a task',
    description: 'The body is checked and stored exactly as a message on the channel is.',
  })
  @ApiBody({ type: TaskMessageDto })
  @ApiCreatedResponse({ type: ScheduleAnswerDto })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'The task is refused; message says why.' })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorDto, description: 'The body is not JSON.' })
  async schedule(@TaskText() text: string): Promise<ScheduleAnswerDto> {
    const answer = await this.operations.schedule(text);
    if (!answer.accepted) throw new BadRequestException(answer.reason);
    return scheduledTask(answer.id, answer.status);
  }

  @Get()
  @ApiOperation({ summary: 'List the tasks in one state, a page at a time, oldest first' })
  @ApiOkResponse({ type: TaskPageDto })
  @ApiBadRequestResponse({ type: ErrorDto })
  list(@Query() query: ListTasksQuery): Promise<TaskPageDto> {
    return this.operations.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Inspect a task' })
  @ApiOkResponse({ type: TaskViewDto })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task.' })
  async get(@Param() { id }: TaskIdParams): Promise<TaskViewDto> {
    const task = await this.operations.get(id);
    if (!task) throw unknownTask(id);
    return task;
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Cancel a task',
    description:
      'A pending task never runs; a running one has its signal aborted on whichever instance ' +
      'runs it; a periodic task has no further occurrences.',
  })
  @ApiOkResponse({ type: TaskViewDto, description: 'The task, now cancelled.' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task.' })
  @ApiConflictResponse({ type: ErrorDto, description: 'The task is done.' })
  async cancel(@Param() { id }: TaskIdParams): Promise<TaskViewDto> {
    const answer = await this.operations.cancel(id);
    switch (answer.outcome) {
      case 'cancelled':
        return answer.task;
      case 'done':
        throw new ConflictException(`Task ${id} is done: there is nothing left to cancel`);
      case 'notFound':
        throw unknownTask(id);
    }
  }

  @Post(':id/requeue')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Make a failed or cancelled task pending again, due now' })
  @ApiOkResponse({ type: TaskViewDto, description: 'The task, now pending.' })
  @ApiNotFoundResponse({ type: ErrorDto, description: 'No such task.' })
  @ApiConflictResponse({ type: ErrorDto, description: 'The task is pending, running or done.' })
  async requeue(@Param() { id }: TaskIdParams): Promise<TaskViewDto> {
    const answer = await this.operations.requeue(id);
    if (answer.outcome === 'requeued') return answer.task;
    if (answer.outcome === 'notFound') throw new NotFoundException(`No task ${id} to requeue`);
    throw new ConflictException(
      `Task ${id} is ${answer.task.state}: only a failed or cancelled task can be requeued`,
    );
  }
}

function unknownTask(id: string): NotFoundException {
  return new NotFoundException(`No task ${id}`);
}
