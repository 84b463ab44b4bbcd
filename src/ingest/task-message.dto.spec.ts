import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ParseOptions, parseTask } from './parse-task';
import { TaskMessageDto } from './task-message.dto';

const NOW = Date.UTC(2025, 10, 26, 12);
const options: ParseOptions = {
  nowMs: NOW,
  generateId: () => 'generated',
  isKnownTask: () => true,
  maxPastMs: 3600_000,
  maxFutureMs: 10 * 365 * 86_400_000,
  minIntervalMs: 50,
  maxTimeoutMs: 86_400_000,
};

const ONCE = {
  ID: '1000000000123457',
  Name: 'OncePingTask',
  ToRunAt: String(NOW / 1000 + 30),
  ToRunAfter: '10',
  Timeout: '1',
  Url: 'http://www.baidu.com',
};
const PERIODIC = {
  ID: '2000000000123457',
  Name: 'PeriodPingTask',
  ToRunAt: String(NOW / 1000 + 30),
  Timeout: '1',
  Interval: '60',
  EndTime: String(NOW / 1000 + 630),
  Url: 'http://www.baidu.com',
};

function toDto(message: object): TaskMessageDto {
  return plainToInstance(TaskMessageDto, message, { excludeExtraneousValues: true });
}

/** Every message of every failed constraint, property by property. */
function dtoErrors(message: object): string[] {
  return validateSync(toDto(message)).flatMap((error) => Object.values(error.constraints ?? {}));
}

function parseReason(message: object): string | undefined {
  const result = parseTask(message, options);
  return result.ok ? undefined : result.reason;
}

describe('TaskMessageDto', () => {
  it('copies only the seven known fields from a message', () => {
    const dto = toDto(PERIODIC);
    expect(dto).toBeInstanceOf(TaskMessageDto);
    expect(dto).toMatchObject({
      ID: PERIODIC.ID,
      Name: 'PeriodPingTask',
      ToRunAt: PERIODIC.ToRunAt,
      Timeout: '1',
      Interval: '60',
      EndTime: PERIODIC.EndTime,
    });
    expect(dto).not.toHaveProperty('Url');
  });

  it.each<[string, object]>([
    ['the README once task', ONCE],
    ['the README periodic task', PERIODIC],
    ['numbers', { ID: 5, Name: 'X', ToRunAt: 1764150000.25, Timeout: 0.5, Interval: 1 }],
    [
      'ISO times',
      {
        Name: 'X',
        ToRunAt: '2026-11-26T13:00:00Z',
        Interval: 5,
        EndTime: '2027-01-01T00:00:00+01:00',
      },
    ],
    ['ToRunAfter only', { Name: 'X', ToRunAfter: '0' }],
    ['nulls as absent', { ID: null, Name: 'X', ToRunAt: null, ToRunAfter: 3, Timeout: null }],
    ['a bad ToRunAfter next to ToRunAt (ignored)', { Name: 'X', ToRunAt: 5, ToRunAfter: 'junk' }],
  ])('accepts %s', (_label, message) => {
    expect(dtoErrors(message)).toEqual([]);
  });

  // Syntax errors: the DTO and parseTask must give the very same reason.
  it.each<[string, object]>([
    ['unsafe numeric ID', { ...ONCE, ID: JSON.parse('12345678901234567890') as number }],
    ['empty ID', { ...ONCE, ID: '' }],
    ['ID with a space', { ...ONCE, ID: 'a b' }],
    ['boolean ID', { ...ONCE, ID: true }],
    ['missing Name', { ...ONCE, Name: undefined }],
    ['empty Name', { ...ONCE, Name: '' }],
    ['numeric Name', { ...ONCE, Name: 5 }],
    ['no due time', { ...ONCE, ToRunAt: undefined, ToRunAfter: undefined }],
    ['ToRunAt abc', { ...ONCE, ToRunAt: 'abc' }],
    ['ToRunAt 1e999', { ...ONCE, ToRunAt: '1e999' }],
    ['ToRunAt -5', { ...ONCE, ToRunAt: '-5' }],
    ['ToRunAt NaN', { ...ONCE, ToRunAt: NaN }],
    ['ToRunAt object', { ...ONCE, ToRunAt: {} }],
    ['ToRunAt without timezone', { ...ONCE, ToRunAt: '2026-11-26T13:00:00' }],
    ['ToRunAfter empty', { ...ONCE, ToRunAt: undefined, ToRunAfter: '' }],
    ['ToRunAfter Infinity', { ...ONCE, ToRunAt: undefined, ToRunAfter: Infinity }],
    ['Timeout 0', { ...ONCE, Timeout: '0' }],
    ['Timeout abc', { ...ONCE, Timeout: 'abc' }],
    ['Timeout boolean', { ...ONCE, Timeout: false }],
    ['Interval 0', { ...PERIODIC, Interval: 0 }],
    ['Interval -1', { ...PERIODIC, Interval: '-1' }],
    ['EndTime abc', { ...PERIODIC, EndTime: 'abc' }],
    ['EndTime without Interval', { ...ONCE, EndTime: PERIODIC.EndTime }],
  ])('rejects %s with the reason parseTask gives', (_label, message) => {
    const reason = parseReason(message);
    expect(reason).toBeDefined();
    expect(dtoErrors(message)).toEqual([reason]);
  });

  it('leaves clock and configuration checks to parseTask', () => {
    for (const message of [
      { ...ONCE, Name: 'UnregisteredButWellFormed', ToRunAt: '1' },
      { ...ONCE, Timeout: '999999' },
      { ...PERIODIC, Interval: '0.001' },
      { ...PERIODIC, EndTime: '1' },
    ]) {
      expect(dtoErrors(message)).toEqual([]);
      expect(parseReason(message)).toBeDefined();
    }
  });
});
