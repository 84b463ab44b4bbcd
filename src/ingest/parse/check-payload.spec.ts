import { Transform, Type } from 'class-transformer';
import { IsInt, IsString, Max, ValidateNested } from 'class-validator';
import type { Type as ClassType } from '@nestjs/common';
import { checkPayload } from './check-payload';
import { Rejection } from './rejection';
import type { TaskFields } from './validate-fields';

class Target {
  @IsString()
  readonly host!: string;
}

/** A payload class with a plain rule, two rules on one field, and a nested class. */
class Order {
  @IsString()
  readonly sku!: string;

  @IsInt()
  @Max(10)
  readonly count!: number;

  @ValidateNested()
  @Type(() => Target)
  readonly target!: Target;
}

/** Nested without `@Type`: class-transformer leaves the object plain, with no rules to check. */
class Untyped {
  @ValidateNested()
  readonly target!: Target;
}

class NoRules {}

class Throwing {
  @Transform(() => {
    throw new Error('cannot read this');
  })
  @IsString()
  readonly field!: string;
}

function fields(payloadClass: ClassType<object> | undefined, id?: string): TaskFields {
  return {
    id,
    name: 'Order',
    start: { toRunAfterMs: 0 },
    timeoutMs: undefined,
    intervalMs: undefined,
    endTimeMs: undefined,
    retries: undefined,
    retryDelayMs: undefined,
    schedule: {},
    payloadClass,
  };
}

/** Why the payload was refused, or how it passed. */
function reasonOf(fieldsOf: TaskFields, payload: Record<string, unknown>): string {
  const result = checkPayload(fieldsOf, payload);
  return result instanceof Rejection ? result.reason : result;
}

const VALID = { sku: 'a-1', count: 3, target: { host: 'h' } };

describe('checkPayload', () => {
  it('accepts a payload its class finds valid, extra fields included', () => {
    expect(checkPayload(fields(Order), { ...VALID, note: 'kept' })).toBe('checked');
  });

  it('rejects with every message of the rules, naming nested fields by their path', () => {
    expect(checkPayload(fields(Order, '42'), { sku: 5, count: 11.5, target: { host: 7 } })).toEqual(
      new Rejection(
        'payload is invalid: sku must be a string; count must not be greater than 10; ' +
          'count must be an integer number; target.host must be a string',
        '42',
      ),
    );
  });

  it('rejects a missing field, and takes no value for another type (no implicit conversion)', () => {
    expect(reasonOf(fields(Order), { count: '3', target: { host: 'h' } })).toBe(
      'payload is invalid: sku must be a string; count must not be greater than 10; ' +
        'count must be an integer number',
    );
  });

  it('refuses an object its class leaves without rules (forbidUnknownValues)', () => {
    expect(reasonOf(fields(Untyped), { target: { host: 'h' } })).toBe(
      'payload is invalid: target: an unknown value was passed to the validate function',
    );
    expect(reasonOf(fields(NoRules), {})).toBe(
      'payload is invalid: an unknown value was passed to the validate function',
    );
  });

  it('keeps the class whatever prototype keys a hostile payload carries', () => {
    // Copied, __proto__ would swap the instance's prototype and leave it with no rules to break.
    const payload = JSON.parse(
      '{"sku":5,"count":1,"target":{"host":"h","__proto__":{}},' +
        '"__proto__":{"sku":"x"},"constructor":{"prototype":{}}}',
    ) as Record<string, unknown>;
    expect(reasonOf(fields(Order), payload)).toBe('payload is invalid: sku must be a string');
  });

  it('rejects, never throws, when a transform throws on the payload', () => {
    expect(checkPayload(fields(Throwing, '9'), { field: 'x' })).toEqual(
      new Rejection('payload could not be checked: cannot read this', '9'),
    );
  });

  it('leaves the payload as sent: same fields, same order, nested objects still plain', () => {
    const payload = { sku: 5, count: 3, target: { host: 'h' }, extra: [1] };
    const sent = JSON.stringify(payload);
    checkPayload(fields(Order), payload);
    expect(JSON.stringify(payload)).toBe(sent);
    expect(Object.getPrototypeOf(payload.target)).toBe(Object.prototype);
  });

  it('checks nothing for a type without a payload class', () => {
    expect(checkPayload(fields(undefined), { sku: 5 })).toBe('unchecked');
  });
});
