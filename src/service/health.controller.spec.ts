import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { standIn } from '../../test/support/stand-in';
import { TASK_STORE } from '../delay-task.constants';
import { DelayTaskTransport } from '../ingest/delay-task.transport';
import type { StoreCounts, TaskStore } from '../store/task-store';
import { HealthController } from './health.controller';

const COUNTS: StoreCounts = { tasks: 3, due: 1, leased: 2, failed: 0, done: 5, dead: 1 };
let counts: () => Promise<StoreCounts> = () => Promise.resolve(COUNTS);

describe('GET /health', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    @Module({
      controllers: [HealthController],
      providers: [
        { provide: TASK_STORE, useValue: standIn<TaskStore, 'counts'>({ counts: () => counts() }) },
        {
          provide: DelayTaskTransport,
          useValue: standIn<DelayTaskTransport, 'pubsubDisconnects'>({ pubsubDisconnects: 2 }),
        },
      ],
    })
    class HealthApp {}
    app = await NestFactory.create(HealthApp, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/health`;
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers the counts and the lost subscriptions', async () => {
    counts = () => Promise.resolve(COUNTS);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', tasks: COUNTS, pubsubDisconnects: 2 });
  });

  it('answers 503 with the reason within about a second while Redis does not answer', async () => {
    counts = () => new Promise<StoreCounts>(() => undefined);
    const startedAt = Date.now();
    const response = await fetch(url);
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      status: 'unavailable',
      reason: 'Error: Redis did not answer within 1000 ms',
      pubsubDisconnects: 2,
    });
  });

  it("answers 503 with Redis's own error, escaped, when it refuses at once", async () => {
    const refused = new Error('connect ECONNREFUSED\n127.0.0.1:6379');
    counts = () => Promise.reject(new Error('command failed', { cause: refused }));
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      reason: 'Error: command failed, caused by Error: connect ECONNREFUSED\\n127.0.0.1:6379',
    });
  });
});
