import { Expose } from 'class-transformer';
import { IsOptional, ValidateIf, registerDecorator } from 'class-validator';
import type { ValidationArguments } from 'class-validator';
import {
  FieldError,
  endTimeWithoutInterval,
  missingDueTime,
  missingField,
  parsePositiveSeconds,
  parseSeconds,
  parseTaskId,
  parseTaskName,
  parseUnixTime,
} from './task-fields';

type FieldParser = (value: unknown, field: string) => unknown;
type Check = (value: unknown, args: ValidationArguments) => FieldError | undefined;

/** Registers a class-validator rule whose verdict and message come from a shared `Check`. */
function Rule(name: string, check: Check): PropertyDecorator {
  return (target, propertyKey) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyKey),
      validator: {
        validate: (value: unknown, args: ValidationArguments) => check(value, args) === undefined,
        defaultMessage: (args: ValidationArguments) => check(args.value, args)?.message ?? '',
      },
    });
  };
}

/** The value must satisfy a `task-fields` parser; absence is reported by `missing`. */
function Parsed(name: string, parse: FieldParser, missing?: () => FieldError): PropertyDecorator {
  return Rule(name, (value, args) => {
    if (value === undefined || value === null) return missing?.();
    const result = parse(value, args.property);
    return result instanceof FieldError ? result : undefined;
  });
}

/** `EndTime` belongs to periodic tasks only. */
function RequiresInterval(): PropertyDecorator {
  return Rule('requiresInterval', (value, args) => {
    const interval = (args.object as TaskMessageDto).Interval;
    return interval === undefined || interval === null ? endTimeWithoutInterval(value) : undefined;
  });
}

const absent = (value: unknown): boolean => value === undefined || value === null;

/**
 * The seed's task message (delaytask-go): the seven fields the engine reads, as the producer sent
 * them. Every other field of a message is payload for the handler (`Url` for the ping tasks) and is
 * not part of this class: `plainToInstance(TaskMessageDto, raw, { excludeExtraneousValues: true })`
 * copies only these fields.
 *
 * The rules are the syntax rules of `parseTask` (same parsers, same reasons); checks that need the
 * clock or configuration (registered names, past/future limits, minimum interval, maximum timeout,
 * EndTime against the first run) are made by `parseTask` only. `null` counts as absent, as in Go.
 */
export class TaskMessageDto {
  /** int64 as a string or a safe integer; kept as text. Absent: a snowflake is generated. */
  @Expose()
  @IsOptional()
  @Parsed('taskId', parseTaskId)
  ID?: string | number;

  /** Registered task name, e.g. `OncePingTask`. */
  @Expose()
  @Parsed('taskName', parseTaskName, () => missingField('Name'))
  Name!: string;

  /** First run: unix seconds (number or decimal string, fractions allowed) or ISO-8601 with zone. */
  @Expose()
  @ValidateIf((dto: TaskMessageDto) => !absent(dto.ToRunAt) || absent(dto.ToRunAfter))
  @Parsed('unixTime', parseUnixTime, missingDueTime)
  ToRunAt?: string | number;

  /** Seconds after arrival; read only when `ToRunAt` is absent (ignored otherwise). */
  @Expose()
  @ValidateIf((dto: TaskMessageDto) => absent(dto.ToRunAt) && !absent(dto.ToRunAfter))
  @Parsed('seconds', parseSeconds)
  ToRunAfter?: string | number;

  /** Run time bound in seconds, > 0. Absent: the runner's default. */
  @Expose()
  @IsOptional()
  @Parsed('positiveSeconds', parsePositiveSeconds)
  Timeout?: string | number;

  /** Period in seconds; present exactly for periodic tasks. */
  @Expose()
  @IsOptional()
  @Parsed('positiveSeconds', parsePositiveSeconds)
  Interval?: string | number;

  /** Last allowed occurrence of a periodic task, like `ToRunAt`. */
  @Expose()
  @IsOptional()
  @Parsed('unixTime', parseUnixTime)
  @RequiresInterval()
  EndTime?: string | number;
}
