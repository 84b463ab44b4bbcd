import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { captureNestLogs } from '../../test/support/log-capture';
import { standIn } from '../../test/support/stand-in';
import { TaskOperations } from '../operations/task-operations.service';
import type { TaskStats } from '../store/operations-store';
import { HealthProbesController } from './health-probes.controller';
import { DELAY_TASK_OBSERVABILITY_OPTIONS } from './observability.module-definition';
import { Readiness } from './readiness';

const logs = captureNestLogs();

const STATS: TaskStats = {
  pending: 0,
  running: 0,
  failed: 0,
  cancelled: 0,
  done: 0,
  deadLetters: 0,
  oldestDueLagMs: 0,
  missed: 0,
  expired: 0,
};

/** What the stand-in's stats() answers: counts, or a promise that never settles (Redis away). */
let answer: () => Promise<TaskStats> = () => Promise.resolve(STATS);

async function startApp(): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthProbesController],
    providers: [
      Readiness,
      { provide: DELAY_TASK_OBSERVABILITY_OPTIONS, useValue: { readyMaxLagMs: 5000 } },
      {
        provide: TaskOperations,
        useValue: standIn<TaskOperations, 'stats'>({ stats: () => answer() }),
      },
    ],
  })
  class ProbesApp {}
  const app = await NestFactory.create(ProbesApp, { logger: logs });
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GET /health/live and /health/ready', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp());
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    answer = () => Promise.resolve(STATS);
  });

  it('is ready while Redis answers and due tasks wait no longer than readyMaxLagMs', async () => {
    answer = () => Promise.resolve({ ...STATS, oldestDueLagMs: 5000 });
    expect(await get(`${url}/health/ready`)).toEqual({
      status: 200,
      body: expect.objectContaining({
        status: 'ok',
        info: {
          redis: { status: 'up' },
          dueLag: { status: 'up', oldestDueLagMs: 5000, maxLagMs: 5000 },
        },
      }) as unknown,
    });
  });

  it('answers 503 with the reason once the oldest due task waits longer', async () => {
    answer = () => Promise.resolve({ ...STATS, oldestDueLagMs: 5001 });
    const { status, body } = await get(`${url}/health/ready`);
    expect(status).toBe(503);
    expect(body.error).toEqual({
      dueLag: {
        status: 'down',
        oldestDueLagMs: 5001,
        maxLagMs: 5000,
        reason: 'the oldest due task waits 5001 ms, more than 5000 ms',
      },
    });
  });

  it('answers 503 within about a second while Redis does not answer; live answers all along', async () => {
    answer = () => new Promise<TaskStats>(() => undefined);
    const startedAt = Date.now();
    const ready = await get(`${url}/health/ready`);
    const tookMs = Date.now() - startedAt;
    expect(ready.status).toBe(503);
    expect(ready.body.error).toMatchObject({
      redis: { status: 'down', reason: 'Error: Redis did not answer within 1000 ms' },
      dueLag: { status: 'down', reason: 'unknown while Redis does not answer' },
    });
    expect(tookMs).toBeGreaterThanOrEqual(950);
    expect(tookMs).toBeLessThan(2000);
    expect(await get(`${url}/health/live`)).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('logs each change of its answer once, with the reason', async () => {
    await get(`${url}/health/ready`);
    logs.lines = [];
    answer = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379\nFORGED'));
    await get(`${url}/health/ready`);
    await get(`${url}/health/ready`);
    answer = () => Promise.resolve(STATS);
    await get(`${url}/health/ready`);
    await get(`${url}/health/ready`);
    expect(logs.of('Readiness')).toEqual([
      'Readiness: not ready: redis: Error: connect ECONNREFUSED 127.0.0.1:6379\\nFORGED; ' +
        'dueLag: unknown while Redis does not answer',
      'Readiness: ready again',
    ]);
  });
});
