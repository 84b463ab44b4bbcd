import { Global, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { standIn } from '../../test/support/stand-in';
import type { ScheduleAnswer } from '../ingest/task-ingest.service';
import {
  type CancelAnswer,
  type ListQuery,
  type RequeueAnswer,
  TaskOperations,
} from '../operations/task-operations.service';
import type { TaskView } from '../operations/task-view';
import type { TaskStats } from '../store/operations-store';
import { DelayTaskAdminModule } from './delay-task-admin.module';
import { setupDelayTaskOpenApi } from './open-api';

/**
 * The admin API over HTTP, on a real Nest app, with the operations stood in for: how requests
 * become operations (the body's text as sent, checked parameters) and how answers become HTTP
 * statuses. The operations themselves run against Redis in test/e2e/admin-api.e2e-spec.ts.
 */

const PENDING: TaskView = {
  id: '42',
  name: 'OncePingTask',
  state: 'pending',
  dueAt: '2026-11-26T13:00:00.000Z',
  attempt: 0,
  payload: { Url: 'http://127.0.0.1:8080/' },
};
const STATS: TaskStats = {
  pending: 1,
  running: 0,
  failed: 0,
  cancelled: 0,
  done: 0,
  deadLetters: 0,
  oldestDueLagMs: 0,
  missed: 0,
  expired: 0,
};

/** What the stand-in answers, and what it was asked. */
class Operations {
  readonly scheduled: string[] = [];
  readonly listed: ListQuery[] = [];
  scheduleAnswer: ScheduleAnswer = { accepted: true, id: '42', status: 'stored' };
  task: TaskView | undefined = PENDING;
  cancelAnswer: CancelAnswer = { outcome: 'cancelled', task: { ...PENDING, state: 'cancelled' } };
  requeueAnswer: RequeueAnswer = { outcome: 'requeued', task: PENDING };

  schedule = (task: string | object) => {
    this.scheduled.push(task as string);
    return Promise.resolve(this.scheduleAnswer);
  };
  get = () => Promise.resolve(this.task);
  cancel = () => Promise.resolve(this.cancelAnswer);
  requeue = () => Promise.resolve(this.requeueAnswer);
  list = (query: ListQuery) => {
    this.listed.push(query);
    return Promise.resolve({ tasks: [PENDING], cursor: null });
  };
  stats = () => Promise.resolve(STATS);
}

/** A fresh stand-in for each test; the apps reach it through this delegate. */
let operations = new Operations();
beforeEach(() => {
  operations = new Operations();
});
const delegate = standIn<
  TaskOperations,
  'schedule' | 'get' | 'cancel' | 'requeue' | 'list' | 'stats'
>({
  schedule: (task) => operations.schedule(task),
  get: () => operations.get(),
  cancel: () => operations.cancel(),
  requeue: () => operations.requeue(),
  list: (query) => operations.list(query),
  stats: () => operations.stats(),
});

async function startApp(
  options: { token?: string; rawBody?: boolean } = {},
): Promise<{ app: INestApplication; url: string }> {
  // What DelayTaskModule provides to the whole app (it is global).
  @Global()
  @Module({
    providers: [{ provide: TaskOperations, useValue: delegate }],
    exports: [TaskOperations],
  })
  class EngineStandIn {}

  @Module({ imports: [EngineStandIn, DelayTaskAdminModule.forRoot({ token: options.token })] })
  class AdminApp {}

  const app = await NestFactory.create(AdminApp, {
    logger: false,
    rawBody: options.rawBody ?? true,
  });
  setupDelayTaskOpenApi(app);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    headers: response.headers,
  };
}

const postTask = (url: string, text: string, type = 'application/json') =>
  call(`${url}/tasks`, { method: 'POST', headers: { 'content-type': type }, body: text });

describe('DelayTaskAdminModule', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startApp());
  });

  afterAll(async () => {
    await app.close();
  });

  describe('POST /tasks', () => {
    it("hands the body's text to the checks exactly as sent, and answers 201 with the ID and status", async () => {
      const text = ' {"Name":"OncePingTask",  "ToRunAt":1e400, "ID":12345678901234567890}\n';
      const answer = await postTask(url, text);
      expect(answer).toMatchObject({ status: 201, body: { id: '42', status: 'stored' } });
      expect(operations.scheduled).toEqual([text]);
    });

    it.each([
      ['stored', 'stored'],
      ['duplicate', 'duplicate'],
      ['rescheduled', 'rescheduled'],
      ['completed', 'completed'],
      ['replayed', 'duplicate'],
    ] as const)('answers the status %s as %s', async (status, shown) => {
      operations.scheduleAnswer = { accepted: true, id: '7', status };
      expect(await postTask(url, '{}')).toMatchObject({
        status: 201,
        body: { id: '7', status: shown },
      });
    });

    it("answers 400 with the checks' reason when the task is refused", async () => {
      operations.scheduleAnswer = { accepted: false, reason: 'Name "Nope" is not a task type' };
      expect(await postTask(url, '{"Name":"Nope"}')).toEqual(
        expect.objectContaining({
          status: 400,
          body: {
            statusCode: 400,
            message: 'Name "Nope" is not a task type',
            error: 'Bad Request',
          },
        }),
      );
    });

    it('hands an empty body to the checks as empty text', async () => {
      operations.scheduleAnswer = { accepted: false, reason: 'not JSON' };
      const answer = await call(`${url}/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      expect(answer.status).toBe(400);
      expect(operations.scheduled).toEqual(['']);
    });

    it('answers 415 to a body that is not sent as JSON, without scheduling it', async () => {
      const answer = await postTask(url, '{"Name":"OncePingTask"}', 'text/plain');
      expect(answer).toMatchObject({ status: 415, body: { error: 'Unsupported Media Type' } });
      expect(operations.scheduled).toEqual([]);
    });

    it('says what the app lacks when it was created without rawBody', async () => {
      const bare = await startApp({ rawBody: false });
      try {
        const answer = await postTask(bare.url, '{"Name":"OncePingTask"}');
        expect(answer.status).toBe(500);
        expect(answer.body).toMatchObject({
          message: expect.stringContaining('rawBody: true') as unknown,
        });
        expect(operations.scheduled).toEqual([]);
      } finally {
        await bare.app.close();
      }
    });
  });

  describe('GET /tasks', () => {
    it('lists by state with a default limit of 100, and passes name and cursor on', async () => {
      expect(await call(`${url}/tasks?state=failed`)).toMatchObject({
        status: 200,
        body: { tasks: [PENDING], cursor: null },
      });
      await call(`${url}/tasks?state=pending&name=OncePingTask&limit=5&cursor=10`);
      expect(operations.listed).toEqual([
        { state: 'failed', limit: 100 },
        { state: 'pending', name: 'OncePingTask', limit: 5, cursor: '10' },
      ]);
    });

    it.each([
      ['', 'state must be one of the following values: pending, running, failed, cancelled, done'],
      ['?state=lost', 'state must be one of the following values'],
      ['?state=done&limit=0', 'limit must not be less than 1'],
      ['?state=done&limit=1001', 'limit must not be greater than 1000'],
      ['?state=done&limit=ten', 'limit must be an integer number'],
      ['?state=done&limit=2.5', 'limit must be an integer number'],
      ['?state=done&name=', 'name should not be empty'],
      ['?state=done&limt=5', 'property limt should not exist'],
    ])('answers 400 to %p, saying why', async (query, reason) => {
      const answer = await call(`${url}/tasks${query}`);
      expect(answer).toMatchObject({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request' },
      });
      expect((answer.body as { message: string[] }).message).toEqual(
        expect.arrayContaining([expect.stringContaining(reason)]),
      );
      expect(operations.listed).toEqual([]);
    });
  });

  describe('one task', () => {
    it('GET /tasks/:id answers the task, or 404', async () => {
      expect(await call(`${url}/tasks/42`)).toMatchObject({ status: 200, body: PENDING });
      operations.task = undefined;
      expect(await call(`${url}/tasks/43`)).toMatchObject({
        status: 404,
        body: { statusCode: 404, message: 'No task 43', error: 'Not Found' },
      });
    });

    it.each([
      [{ outcome: 'cancelled', task: { ...PENDING, state: 'cancelled' } }, 200, 'cancelled'],
      [{ outcome: 'done', task: { ...PENDING, state: 'done' } }, 409, 'Conflict'],
      [{ outcome: 'notFound' }, 404, 'Not Found'],
    ] as const)('DELETE /tasks/:id answers %j with %d', async (cancelAnswer, status, word) => {
      operations.cancelAnswer = cancelAnswer;
      const answer = await call(`${url}/tasks/42`, { method: 'DELETE' });
      expect(answer.status).toBe(status);
      expect(JSON.stringify(answer.body)).toContain(word);
    });

    it.each([
      [{ outcome: 'requeued', task: PENDING }, 200, 'pending'],
      [{ outcome: 'notFinished', task: { ...PENDING, state: 'running' } }, 409, 'is running'],
      [{ outcome: 'notFound' }, 404, 'No task 42'],
    ] as const)(
      'POST /tasks/:id/requeue answers %j with %d',
      async (requeueAnswer, status, word) => {
        operations.requeueAnswer = requeueAnswer;
        const answer = await call(`${url}/tasks/42/requeue`, { method: 'POST' });
        expect(answer.status).toBe(status);
        expect(JSON.stringify(answer.body)).toContain(word);
      },
    );
  });

  it('GET /stats answers the counts', async () => {
    expect(await call(`${url}/stats`)).toMatchObject({ status: 200, body: STATS });
  });

  it('serves an OpenAPI document of every route, with the wire format and the bearer token', async () => {
    const { status, body } = await call(`${url}/openapi.json`);
    const document = body as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(status).toBe(200);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/stats',
      '/tasks',
      '/tasks/{id}',
      '/tasks/{id}/requeue',
    ]);
    expect(Object.keys(document.paths['/tasks']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/tasks/{id}']).sort()).toEqual(['delete', 'get']);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['TaskMessage', 'ScheduleAnswer', 'Task', 'TaskPage', 'TaskStats']),
    );
    expect(document.components.securitySchemes).toHaveProperty('bearer');
  });
});

describe('DelayTaskAdminModule with a token', () => {
  const TOKEN = 's3cret-t0ken';
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    // Given with stray spaces, as a .env line may have them: HTTP could never send those.
    ({ app, url } = await startApp({ token: ` ${TOKEN} ` }));
  });

  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['no header', undefined],
    ['another token', `Bearer ${TOKEN}x`],
    ['a prefix of it', `Bearer ${TOKEN.slice(0, -1)}`],
    ['another scheme', `Basic ${TOKEN}`],
    ['the bare token', TOKEN],
  ])('answers 401 to a request with %s, asking for a bearer token', async (_, authorization) => {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    const answers = [
      await call(`${url}/stats`, { headers }),
      await call(`${url}/tasks/42`, { method: 'DELETE', headers }),
      await call(`${url}/tasks`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(JSON.stringify(answer.body)).not.toContain(TOKEN);
    }
    expect(operations.scheduled).toEqual([]);
  });

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer  ${TOKEN} `])(
    'lets a request with %j through',
    async (authorization) => {
      const answer = await call(`${url}/stats`, { headers: { authorization } });
      expect(answer).toMatchObject({ status: 200, body: STATS });
    },
  );

  it('serves the OpenAPI document without the token', async () => {
    expect((await call(`${url}/openapi.json`)).status).toBe(200);
  });
});
