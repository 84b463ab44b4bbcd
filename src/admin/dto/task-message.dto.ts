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
    description:
      'Instead of Interval: a calendar, 5 fields (minute hour day month weekday) or 6 with ' +
      'seconds first. ToRunAt and ToRunAfter are then optional (when the schedule starts).',
    example: '0 2 * * *',
  })
  Cron?: string;

  @ApiPropertyOptional({
    description: 'With Cron: the IANA time zone it is read in (default UTC).',
    example: 'Europe/Berlin',
  })
  TimeZone?: string;

  @ApiPropertyOptional({
    enum: ['first', 'last', 'both'],
    description: 'With Cron: runs in the hour a DST change repeats (default first).',
  })
  DstRepeated?: string;

  @ApiPropertyOptional({
    enum: ['shift', 'skip'],
    description: 'With Cron: runs in the hour a DST change skips (default shift: moved past it).',
  })
  DstSkipped?: string;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: 'The last allowed occurrence: unix seconds or ISO-8601. Absent: no end.',
  })
  EndTime?: string | number;

  @ApiPropertyOptional({
    enum: ['skip', 'one', 'all'],
    description:
      'Periodic tasks: occurrences that fell due while none could run: none, one (default), or ' +
      'all (at most CatchUpMax).',
  })
  CatchUp?: string;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description: 'With CatchUp "all": most missed occurrences run, 1 to 1000 (default 10).',
  })
  CatchUpMax?: string | number;

  @ApiPropertyOptional({
    enum: ['skip', 'bufferOne', 'allowAll'],
    description:
      'Periodic tasks: an occurrence due while the previous run still runs: skipped (default), ' +
      'the latest run when it ends, or all run beside it.',
  })
  Overlap?: string;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description:
      'Periodic tasks: seconds; each occurrence starts within [due, due + Jitter), alike on ' +
      'every instance. Less than the shortest gap between occurrences.',
  })
  Jitter?: string | number;

  @ApiPropertyOptional({
    oneOf: NUMBER_OR_TEXT,
    description:
      'Seconds; an occurrence that would start later than that after its due time is recorded ' +
      'expired instead of running.',
  })
  MaxLateness?: string | number;

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
