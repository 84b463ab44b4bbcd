import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

const NUMBER_OR_TEXT = [{ type: 'number' }, { type: 'string' }];

/**
 * The task wire format, the channel's, for the OpenAPI document. It carries no rules of its own:
 * `POST /tasks` hands the body's text to ingest's checks (parseTask), the ones every message on
 * the channel gets, so the two ways in accept exactly the same tasks.
 */
@ApiSchema({
  name: 'TaskMessage',
  description:
    'A task as published on the channel. Field names other than Name match in any case ' +
    "(toRunAt); every other field is the handler's payload (Url for the ping tasks). " +
    'A Nest envelope {"pattern": ..., "data": task} is taken too.',
})
export class TaskMessageDto {
  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description:
      'int64 as text or number, or any token up to 128 characters. Absent: "msg:" and 32 hex ' +
      'digits of the SHA-256 of the body as sent.',
    example: '1000000000123',
  })
  ID?: string | number;

  @ApiProperty({ description: 'The registered task type (handler).', example: 'OncePingTask' })
  Name!: string;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: 'Unix seconds (fractions are milliseconds) or ISO-8601 with a timezone.',
    example: '1764150000.250',
  })
  ToRunAt?: string | number;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: 'Seconds from arrival; used only when ToRunAt is absent.',
    example: '5',
  })
  ToRunAfter?: string | number;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: 'Seconds a run may take (default 30).',
  })
  Timeout?: string | number;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: 'Seconds between occurrences: makes the task periodic (at least 0.05).',
  })
  Interval?: string | number;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: 'The last allowed occurrence: unix seconds or ISO-8601. Absent: no end.',
  })
  EndTime?: string | number;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: "Attempts after a failed first one, 0 to 100 (default: the task type's, else 0).",
  })
  Retries?: string | number;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description:
      "Seconds before the first retry, doubling with each (default: the type's, else 1).",
  })
  RetryDelay?: string | number;
}
