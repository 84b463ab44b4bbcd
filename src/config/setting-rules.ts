import { applyDecorators } from '@nestjs/common';
import { Transform, type TransformFnParams } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  type ValidationArguments,
} from 'class-validator';
import { parseAnyRedisUrl, parseClusterNodes, readRedisCa } from './redis-url';

/**
 * The rules a setting can have. Each is optional (an absent setting takes its default) and its
 * message says what the setting accepts, as the errors and the README's table show it.
 */

type Unit = 'ms' | 'bytes';

const UNIT_SIZES: Readonly<Record<Unit, ReadonlyArray<readonly [number, string]>>> = {
  ms: [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ],
  bytes: [
    [1024 ** 4, 'TiB'],
    [1024 ** 3, 'GiB'],
    [1024 ** 2, 'MiB'],
    [1024, 'KiB'],
  ],
};

/** An integer from `min` to `max`; environment text must be plain decimal digits ("1e3" is refused). */
export function WholeNumber(min: number, max: number, unit?: Unit): PropertyDecorator {
  const what = unit === undefined ? 'a whole number' : `a whole number of ${unit}`;
  const message = `${what} from ${glossed(min, unit)} to ${glossed(max, unit)}`;
  return applyDecorators(
    Transform(({ value }: TransformFnParams) => decimalText(value as unknown)),
    IsOptional(),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
}

/** Text matching `pattern`, described to the user as `accepts`. */
export function TextMatching(pattern: RegExp, accepts: string): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    IsString({ message: accepts }),
    Matches(pattern, { message: accepts }),
  );
}

/**
 * A `redis://`, `rediss://` or `redis+sentinel://` URL; the refusal says why, never echoing the URL
 * (it may hold a password).
 */
export function RedisUrl(): PropertyDecorator {
  const accepts =
    'a redis:// or rediss:// URL like redis://:password@127.0.0.1:6379/4, or ' +
    'redis+sentinel://[user:password@]host:port[,host:port…]/<masterName>[/<db>]';
  return applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'redisUrl',
      validator: {
        validate: (value: unknown) => redisUrlProblem(value) === undefined,
        defaultMessage: ({ value }: ValidationArguments) =>
          `${accepts} (${redisUrlProblem(value)})`,
      },
    }),
  );
}

/** Seed nodes of a Redis Cluster; the refusal says why, never echoing a password. */
export function RedisClusterNodes(): PropertyDecorator {
  const accepts =
    'Redis Cluster seed nodes like 10.0.0.1:7000,10.0.0.2:7000, optionally with ' +
    'redis:// or rediss:// and user:password@ before them';
  return applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'redisClusterNodes',
      validator: {
        validate: (value: unknown) => clusterNodesProblem(value) === undefined,
        defaultMessage: ({ value }: ValidationArguments) =>
          `${accepts} (${clusterNodesProblem(value)})`,
      },
    }),
  );
}

/** A PEM file of certificate authorities, read at once; it only makes sense with a `rediss://` `redisUrl`. */
export function RedisCaFile(): PropertyDecorator {
  const accepts =
    "a readable PEM file of the certificate authority that signs the Redis server's certificate";
  return applyDecorators(
    IsOptional(),
    ValidateBy({
      name: 'redisCaFile',
      validator: {
        validate: (value: unknown, { object }: ValidationArguments) =>
          caFileProblem(value, object) === undefined,
        defaultMessage: ({ value, object }: ValidationArguments) =>
          `${accepts} (${caFileProblem(value, object)})`,
      },
    }),
  );
}

function decimalText(value: unknown): unknown {
  return typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

/** 604800000 (7 d), 67108864 (64 MiB): the exact round figure beside the number. */
function glossed(value: number, unit: Unit | undefined): string {
  const size =
    unit && UNIT_SIZES[unit].find(([one]) => Math.abs(value) >= one && value % one === 0);
  return size ? `${value} (${value / size[0]} ${size[1]})` : String(value);
}

function redisUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `not text but ${typeof value}`;
  try {
    parseAnyRedisUrl(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function clusterNodesProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return `not text but ${typeof value}`;
  try {
    parseClusterNodes(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function caFileProblem(file: unknown, settings: object): string | undefined {
  if (typeof file !== 'string') return `not text but ${typeof file}`;
  const { redisUrl, redisClusterNodes } = settings as {
    redisUrl?: unknown;
    redisClusterNodes?: unknown;
  };
  const tls =
    typeof redisClusterNodes === 'string' && redisClusterNodes !== ''
      ? /^rediss:/i.test(redisClusterNodes)
      : typeof redisUrl === 'string' && /^rediss[:+]/i.test(redisUrl);
  if (!tls) {
    return 'only used with a rediss:// Redis URL';
  }
  try {
    readRedisCa(file);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
