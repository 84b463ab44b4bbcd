import { Injectable, type Provider } from '@nestjs/common';
import { discoverHandlers } from '../../test/support/discover-handlers';
import { captureNestLogs } from '../../test/support/log-capture';
import { defaultOptions } from '../config/default-options';
import { encodeRecord } from '../domain/task-record';
import { parseTask } from '../ingest/parse-task';
import type { ScheduleAnswer } from '../ingest/task-ingest.service';
import type { IncomingTaskMessage } from '../ingest/task-message.deserializer';
import type { AcceptStatus } from '../store/task-store';
import { DelayTaskHandler } from '../tasks/delay-task-handler';
import { DelayTask } from '../tasks/delay-task.decorator';
import { InvalidTaskHandlerError } from '../tasks/errors/invalid-task-handler.error';
import { TaskRegistry } from '../tasks/task-registry';
import {
  declareSchedules,
  declaredSchedules,
  InvalidScheduleDeclarationError,
  type DeclaredResult,
} from './declared-schedules';

const logs = captureNestLogs();
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);
const HOUR = 3_600_000;
const OPTIONS = defaultOptions();

class Handler extends DelayTaskHandler {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

@DelayTask('NightlyReport', { cron: '0 2 * * *', timeZone: 'Europe/Berlin' })
@Injectable()
class NightlyReport extends Handler {}

/** The same task type in the next release: its declaration changed. */
@DelayTask('NightlyReport', { cron: '30 2 * * *', timeZone: 'Europe/Berlin' })
@Injectable()
class NightlyReportV2 extends Handler {}

@DelayTask('Everything', {
  retries: 2,
  cron: '0 */5 * * * *',
  timeZone: 'America/New_York',
  dstRepeated: 'both',
  dstSkipped: 'skip',
  catchUp: 'all',
  catchUpMax: 5,
  overlap: 'bufferOne',
  jitterMs: 1500,
  maxLatenessMs: 60_000,
  endTime: new Date(Date.UTC(2030, 0, 1, 0, 0, 0, 250)),
  schedulePayload: { Region: 'eu', Nested: { Depth: 1 }, Missing: undefined },
  scheduleId: 'reports:everything',
})
@Injectable()
class Everything extends Handler {}

/** No schedule: producers send its tasks. */
@DelayTask('SendReminder', { retries: 3 })
@Injectable()
class SendReminder extends Handler {}

@DelayTask('BadCron', { cron: '61 * * * *' })
@Injectable()
class BadCron extends Handler {}

@DelayTask('Ended', { cron: '0 2 * * *', endTime: T0 - HOUR })
@Injectable()
class Ended extends Handler {}

/** Its EndTime is still ahead, but before the cron's next point. */
@DelayTask('EndsBeforeNext', { cron: '0 2 * * *', endTime: T0 + HOUR })
@Injectable()
class EndsBeforeNext extends Handler {}

@DelayTask('FieldInPayload', { cron: '0 2 * * *', schedulePayload: { interval: 5 } })
@Injectable()
class FieldInPayload extends Handler {}

@DelayTask('SameId', { cron: '0 3 * * *', scheduleId: 'schedule:NightlyReport' })
@Injectable()
class SameId extends Handler {}

@DelayTask('ZoneWithoutCron', { timeZone: 'Europe/Berlin' })
@Injectable()
class ZoneWithoutCron extends Handler {}

// @ts-expect-error -- a JavaScript caller's mistake: the types catch it in TypeScript
@DelayTask('NumericCron', { cron: 5 })
@Injectable()
class NumericCron extends Handler {}

@DelayTask('JitterWithoutCron', { jitterMs: 1000 })
@Injectable()
class JitterWithoutCron extends Handler {}

/**
 * Ingest as far as declared schedules see it: the real `parseTask` with the default bounds, and a
 * store that answers by comparing records as acceptTasks does (`answers` overrides its answer).
 * Its records outlive a registry, as Redis outlives a restart.
 */
class FakeIngest {
  readonly messages: IncomingTaskMessage[] = [];
  readonly records = new Map<string, string>();
  readonly answers = new Map<string, AcceptStatus>();
  nowMs = T0;
  registry: TaskRegistry | undefined;

  schedule(message: IncomingTaskMessage): Promise<ScheduleAnswer> {
    this.messages.push(message);
    const result = parseTask(message, {
      nowMs: this.nowMs,
      taskType: (name) => this.registry?.get(name)?.options,
      maxPastMs: OPTIONS.maxPastMs,
      maxFutureMs: OPTIONS.maxFutureMs,
      minIntervalMs: OPTIONS.minIntervalMs,
      maxTimeoutMs: OPTIONS.maxTimeoutMs,
    });
    if (!result.ok) return Promise.resolve({ accepted: false, reason: result.reason });
    const { id } = result.spec;
    const record = encodeRecord(result.spec);
    const live = this.records.get(id);
    let status = this.answers.get(id);
    if (status === undefined) {
      status = live === undefined ? 'stored' : live === record ? 'duplicate' : 'rescheduled';
      this.records.set(id, record);
    }
    return Promise.resolve({ accepted: true, id, status });
  }
}

async function registryOf(...providers: Provider[]): Promise<TaskRegistry> {
  return (await discoverHandlers(providers, logs)).get(TaskRegistry);
}

/** Boots an app of these handlers against `ingest` (a restart when it is reused). */
async function boot(ingest: FakeIngest, ...providers: Provider[]): Promise<DeclaredResult[]> {
  ingest.registry = await registryOf(...providers);
  logs.lines = [];
  return declareSchedules({ registry: ingest.registry, ingest, nowMs: () => ingest.nowMs });
}

const outcomes = (results: DeclaredResult[]): string[] =>
  results.map(({ schedule, outcome }) => `${schedule.id} ${outcome}`);

describe('declared schedules', () => {
  it('builds the message a producer would send, fields in the wire format, absent ones omitted', async () => {
    const registry = await registryOf(NightlyReport, Everything, SendReminder);
    const { schedules, faults } = declaredSchedules(registry);
    expect(faults).toEqual([]);
    // Compared as text: the key order is part of it.
    expect(schedules.map(({ message }) => JSON.stringify(message))).toEqual([
      JSON.stringify({
        Name: 'NightlyReport',
        ID: 'schedule:NightlyReport',
        Cron: '0 2 * * *',
        TimeZone: 'Europe/Berlin',
      }),
      JSON.stringify({
        Name: 'Everything',
        ID: 'reports:everything',
        Cron: '0 */5 * * * *',
        TimeZone: 'America/New_York',
        DstRepeated: 'both',
        DstSkipped: 'skip',
        EndTime: '2030-01-01T00:00:00.250Z',
        CatchUp: 'all',
        CatchUpMax: 5,
        Overlap: 'bufferOne',
        Jitter: 1.5,
        MaxLateness: 60,
        Region: 'eu',
        Nested: { Depth: 1 },
      }),
    ]);
    expect(schedules.map(({ name, id }) => [name, id])).toEqual([
      ['NightlyReport', 'schedule:NightlyReport'],
      ['Everything', 'reports:everything'],
    ]);
    // No undefined field lies in wait either (the message is sent as parsed JSON anyway).
    expect(Object.keys(schedules[0].message)).toEqual(['Name', 'ID', 'Cron', 'TimeZone']);
  });

  it('sends nothing for task types without a cron', async () => {
    const ingest = new FakeIngest();
    expect(await boot(ingest, SendReminder)).toEqual([]);
    expect(ingest.messages).toEqual([]);
    expect(logs.of('DeclaredSchedules')).toEqual([]);
  });

  it('passes ingest as a sent message: stored with no start field, the same record at every boot', async () => {
    const ingest = new FakeIngest();
    expect(outcomes(await boot(ingest, NightlyReport, Everything, SendReminder))).toEqual([
      'schedule:NightlyReport created',
      'reports:everything created',
    ]);
    expect(ingest.messages[0]).toEqual({
      format: 'seed',
      body: JSON.parse(ingest.messages[0].text) as unknown,
      text:
        '{"Name":"NightlyReport","ID":"schedule:NightlyReport","Cron":"0 2 * * *",' +
        '"TimeZone":"Europe/Berlin"}',
    });
    const stored = new Map(ingest.records);
    expect(stored.get('schedule:NightlyReport')).toBe(
      '{"id":"schedule:NightlyReport","name":"NightlyReport","cron":"0 2 * * *",' +
        '"timeZone":"Europe/Berlin","payload":{}}',
    );
    expect(JSON.parse(stored.get('reports:everything')!)).toEqual({
      id: 'reports:everything',
      name: 'Everything',
      cron: '0 */5 * * * *',
      timeZone: 'America/New_York',
      dstRepeated: 'both',
      dstSkipped: 'skip',
      endTimeMs: Date.UTC(2030, 0, 1, 0, 0, 0, 250),
      catchUp: 'all',
      catchUpMax: 5,
      overlap: 'bufferOne',
      jitterMs: 1500,
      maxLatenessMs: 60_000,
      payload: { Region: 'eu', Nested: { Depth: 1 } },
    });
    expect(logs.of('DeclaredSchedules', 'log')).toEqual([
      'Schedule NightlyReport (schedule:NightlyReport): 0 2 * * * Europe/Berlin — created',
      'Schedule Everything (reports:everything): 0 */5 * * * * America/New_York — created',
    ]);

    // Restarted hours later, by another instance: byte for byte the same, nothing happens.
    ingest.nowMs = T0 + 5 * HOUR + 1234;
    expect(outcomes(await boot(ingest, Everything, NightlyReport))).toEqual([
      'reports:everything unchanged',
      'schedule:NightlyReport unchanged',
    ]);
    expect(ingest.records).toEqual(stored);
    expect(ingest.messages[2].text).toBe(ingest.messages[1].text);
    expect(ingest.messages[3].text).toBe(ingest.messages[0].text);
    expect(logs.of('DeclaredSchedules', 'log')).toEqual([
      'Schedule Everything (reports:everything): 0 */5 * * * * America/New_York — unchanged',
      'Schedule NightlyReport (schedule:NightlyReport): 0 2 * * * Europe/Berlin — unchanged',
    ]);
  });

  it('replaces the schedule when its declaration changed', async () => {
    const ingest = new FakeIngest();
    await boot(ingest, NightlyReport);
    ingest.nowMs += HOUR;
    expect(outcomes(await boot(ingest, NightlyReportV2))).toEqual([
      'schedule:NightlyReport updated',
    ]);
    expect(JSON.parse(ingest.records.get('schedule:NightlyReport')!)).toMatchObject({
      cron: '30 2 * * *',
    });
    expect(logs.of('DeclaredSchedules', 'log')).toEqual([
      'Schedule NightlyReport (schedule:NightlyReport): 30 2 * * * Europe/Berlin — updated',
    ]);
  });

  it('says what a completed or replayed answer means here', async () => {
    const ingest = new FakeIngest();
    ingest.answers.set('schedule:NightlyReport', 'completed');
    ingest.answers.set('reports:everything', 'replayed');
    expect(outcomes(await boot(ingest, NightlyReport, Everything))).toEqual([
      'schedule:NightlyReport ended',
      'reports:everything notApplied',
    ]);
    expect(logs.of('DeclaredSchedules', 'log')).toEqual([
      'Schedule NightlyReport (schedule:NightlyReport): 0 2 * * * Europe/Berlin — ended',
    ]);
    expect(logs.of('DeclaredSchedules', 'warn')).toEqual([
      'Schedule Everything (reports:everything): 0 */5 * * * * America/New_York — not applied: ' +
        'the task was given other content within the replay window (an instance with another ' +
        'version of this declaration?); that content is kept',
    ]);
  });

  it('fails the boot when ingest refuses a declaration, naming the task type and the reason', async () => {
    const ingest = new FakeIngest();
    const declaring = boot(ingest, BadCron, NightlyReport);
    await expect(declaring).rejects.toThrow(InvalidScheduleDeclarationError);
    await expect(declaring).rejects.toThrow(
      '1 declared schedule(s) refused, fix the @DelayTask options: Schedule BadCron ' +
        '(schedule:BadCron): 61 * * * * UTC refused: Cron "61 * * * *" is not a valid cron expression',
    );
    // The others were declared all the same, and every refusal has its error line.
    expect([...ingest.records.keys()]).toEqual(['schedule:NightlyReport']);
    expect(logs.of('DeclaredSchedules', 'error')).toEqual([
      expect.stringContaining(
        'Schedule BadCron (schedule:BadCron): 61 * * * * UTC refused: ' +
          'Cron "61 * * * *" is not a valid cron expression',
      ),
    ]);
  });

  it('starts when a declaration has ended: ingest refuses it for its EndTime, past or before the next point', async () => {
    const ingest = new FakeIngest();
    expect(outcomes(await boot(ingest, Ended, EndsBeforeNext))).toEqual([
      'schedule:Ended ended',
      'schedule:EndsBeforeNext ended',
    ]);
    expect(ingest.records.size).toBe(0);
    expect(logs.of('DeclaredSchedules', 'log')).toEqual([
      expect.stringMatching(
        /^Schedule Ended \(schedule:Ended\): 0 2 \* \* \* UTC — ended \(EndTime /,
      ),
      expect.stringMatching(
        /^Schedule EndsBeforeNext \(schedule:EndsBeforeNext\): 0 2 \* \* \* UTC — ended \(.*EndTime/,
      ),
    ]);
  });

  it('refuses, unsent, a payload key that ingest reads as a task field, and an ID declared twice', async () => {
    const ingest = new FakeIngest();
    const declaring = boot(ingest, FieldInPayload, NightlyReport, SameId);
    await expect(declaring).rejects.toThrow(InvalidScheduleDeclarationError);
    expect(ingest.messages.map((message) => (message.body as { Name: string }).Name)).toEqual([
      'NightlyReport',
    ]);
    expect(logs.of('DeclaredSchedules', 'error')).toEqual([
      'Schedule FieldInPayload (schedule:FieldInPayload): 0 2 * * * UTC refused: schedulePayload ' +
        'key "interval" is a task field, not a payload field; set it with its @DelayTask option',
      'Schedule SameId (schedule:NightlyReport): 0 3 * * * UTC refused: its ID is also the ID of ' +
        'the schedule of NightlyReport; give each its own scheduleId',
    ]);
  });

  it.each([
    {
      handler: JitterWithoutCron,
      reason: 'jitterMs is given without cron: it belongs to a declared schedule',
    },
    {
      handler: ZoneWithoutCron,
      reason: 'timeZone is given without cron: it belongs to a declared schedule',
    },
    { handler: NumericCron, reason: 'cron must be a string' },
  ])(
    'the registry refuses schedule options without cron ($handler.name)',
    async ({ handler, reason }) => {
      const bootstrap = registryOf(handler);
      await expect(bootstrap).rejects.toThrow(InvalidTaskHandlerError);
      await expect(bootstrap).rejects.toThrow(
        `@DelayTask class ${handler.name} cannot be used: ${reason}.`,
      );
    },
  );
});
