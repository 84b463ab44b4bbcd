import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { PingServer } from '../support/ping-server';
import { eventually, publishRaw, unixSeconds } from '../support/publish';
import { freePort, RedisServerProcess } from '../support/redis-server';
import { ServiceProcess } from '../support/service-process';

/**
 * Issue 12: the status page in a real browser (Debian's chromium, headless, driven by
 * playwright-core). It asks for the token, then shows the counts GET /stats gives, the failed
 * tasks with their errors, the dead letters, the instances and a lateness chart; Requeue and
 * Cancel act on a failed task. Screenshots (wide and phone-width) go to the test output folder:
 * DELAYTASK_TEST_OUTPUT, else <tmp>/delaytask-test-output.
 */
const PREFIX = 'page:';
const TOKEN = 'e2e-page-token-51c2';
const INSTANCE = 'page-e2e-1';
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const OUTPUT = join(process.env.DELAYTASK_TEST_OUTPUT ?? join(tmpdir(), 'delaytask-test-output'));
const SCREENSHOTS = join(OUTPUT, 'status-page');
let nextId = 40_000_000_000_000;
const newId = (): string => String(nextId++);

/** Answers 503 until told to be healthy: a ping there fails, then succeeds once requeued. */
class FlakyServer {
  healthy = false;
  readonly hits: string[] = [];
  private readonly server: Server = createServer((request, response) => {
    this.hits.push(request.url ?? '/');
    response.statusCode = this.healthy ? 200 : 503;
    response.end(this.healthy ? 'ok' : 'down for maintenance');
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(key: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/${key}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let redisServer: RedisServerProcess;
let redis: Redis;
let ping: PingServer;
let flaky: FlakyServer;
let service: ServiceProcess;
let url: string;
let profile: string;
let browser: BrowserContext;
const failing = [newId(), newId()];

async function api(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return (await response.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  redisServer = await RedisServerProcess.start();
  redis = new Redis(redisServer.url);
  ping = new PingServer();
  await ping.start();
  flaky = new FlakyServer();
  await flaky.start();
  const httpPort = await freePort();
  url = `http://127.0.0.1:${httpPort}`;
  service = new ServiceProcess({
    REDIS_URL: redisServer.url,
    DELAYTASK_PREFIX: PREFIX,
    DELAYTASK_INSTANCE_ID: INSTANCE,
    DELAYTASK_HTTP_PORT: String(httpPort),
    DELAYTASK_HTTP_TOKEN: TOKEN,
  });
  await service.start();

  const now = unixSeconds(Date.now());
  const task = (id: string, fields: Record<string, unknown>) =>
    JSON.stringify({ ID: id, Name: 'OncePingTask', ToRunAt: now, ...fields });
  await publishRaw(redis, `${PREFIX}messageQ`, [
    ...[newId(), newId(), newId(), newId(), newId()].map((id) => task(id, { Url: ping.url(id) })),
    ...failing.map((id) => task(id, { Url: flaky.url(id) })),
    task(newId(), { Url: ping.url('later'), ToRunAt: unixSeconds(Date.now() + 3_600_000) }),
    JSON.stringify({ ID: newId(), Name: 'NoSuchTask', ToRunAt: now }),
  ]);
  await eventually(async () => {
    const stats = await api('/stats');
    return stats.done === 5 && stats.failed === 2 && stats.deadLetters === 1;
  }, 'five tasks done, two failed, one dead letter');

  profile = mkdtempSync(join(tmpdir(), 'delaytask-chromium-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  redis?.disconnect();
  await ping?.stop();
  await flaky?.stop();
  await redisServer?.dispose();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** A page signed in with the token, once its data has come. */
async function openSignedIn(width: number, height: number): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize({ width, height });
  await page.goto(url);
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#token', TOKEN);
  await page.click('#login button[type=submit]');
  await page.locator('#status').waitFor({ state: 'visible' });
  return page;
}

const COUNTS = [
  'pending',
  'running',
  'failed',
  'cancelled',
  'done',
  'deadLetters',
  'oldestDueLagMs',
];

async function countsShown(page: Page): Promise<Record<string, string>> {
  const shown = await Promise.all(
    COUNTS.map((count) => page.locator(`[data-count="${count}"]`).textContent()),
  );
  return Object.fromEntries(COUNTS.map((count, i) => [count, shown[i] ?? '']));
}

/** An expression run in the page (this project compiles without the DOM's types). */
async function inPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

describe('the status page', () => {
  it('is served without the token, and its data only with it', async () => {
    const html = await fetch(url);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await html.text()).toContain('<script src="status/page.js"');
    expect((await fetch(`${url}/status/page.js`)).status).toBe(200);
    for (const path of ['/status/data', '/metrics', '/stats']) {
      expect([path, (await fetch(`${url}${path}`)).status]).toEqual([path, 401]);
    }
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    // The service's own lines meanwhile: text, the default, stamped in UTC to the millisecond.
    expect(service.logs).toMatch(
      /^\[Nest\] \d+ {2}- \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +LOG /m,
    );
    expect(service.logs).not.toContain(TOKEN);
  });

  it('shows the counts GET /stats gives, failed tasks, dead letters, instances and lateness', async () => {
    const page = await openSignedIn(1200, 1000);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const stats = await api('/stats');
    await eventually(
      async () => (await countsShown(page)).done === String(stats.done),
      'the counts shown',
    );
    expect(await countsShown(page)).toEqual({
      pending: String(stats.pending),
      running: String(stats.running),
      failed: '2',
      cancelled: '0',
      done: '5',
      deadLetters: '1',
      oldestDueLagMs: '0 ms',
    });
    for (const id of failing) {
      const row = page.locator('#failed tbody tr', { hasText: id });
      await expect(row.textContent()).resolves.toContain('answered 503');
    }
    await expect(page.locator('#dead tbody').textContent()).resolves.toContain(
      'unknown task name "NoSuchTask"',
    );
    await expect(page.locator('#instances tbody').textContent()).resolves.toContain(INSTANCE);
    await expect(page.locator('#lateness-of').textContent()).resolves.toContain(INSTANCE);
    // The chart drew the runs of the last seconds: the canvas is no longer blank.
    const drawn = await inPage<boolean>(
      page,
      `(() => {
        const canvas = document.getElementById('lateness');
        const { data } = canvas.getContext('2d').getImageData(canvas.width - 60, 0, 60, canvas.height);
        return data.some((value) => value !== 0);
      })()`,
    );
    expect(drawn).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'status-page.png'), fullPage: true });
    expect(readFileSync(join(SCREENSHOTS, 'status-page.png')).subarray(1, 4).toString()).toBe(
      'PNG',
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('requeues a failed task with a click: it is pending, runs again and is done', async () => {
    const page = await openSignedIn(1200, 1000);
    const [id] = failing;
    flaky.healthy = true;
    const hitsBefore = flaky.hits.length;
    await page
      .locator('#failed tbody tr', { hasText: id })
      .getByRole('button', { name: 'Requeue' })
      .click();
    await page.locator('#notice', { hasText: `Task ${id} is pending.` }).waitFor();
    await eventually(async () => (await api(`/tasks/${id}`)).state === 'done', 'the requeued run');
    expect(flaky.hits.length).toBe(hitsBefore + 1);
    await page.locator('#failed tbody tr', { hasText: id }).waitFor({ state: 'detached' });
    await page.close();
  });

  it('cancels a failed task with a click', async () => {
    const page = await openSignedIn(1200, 1000);
    const id = failing[1];
    await page
      .locator('#failed tbody tr', { hasText: id })
      .getByRole('button', { name: 'Cancel' })
      .click();
    await page.locator('#notice', { hasText: `Task ${id} is cancelled.` }).waitFor();
    expect((await api(`/tasks/${id}`)).state).toBe('cancelled');
    await page.locator('[data-count="cancelled"]', { hasText: '1' }).waitFor();
    await page.close();
  });

  it('fits a phone-width window: nothing wider than the screen', async () => {
    const page = await openSignedIn(390, 844);
    await page.locator('#instances tbody tr', { hasText: INSTANCE }).waitFor();
    await page.locator('#dead tbody tr', { hasText: 'NoSuchTask' }).waitFor();
    // Neither the page nor any of its tables scrolls sideways; each row is a card.
    const overflow = await inPage<number[]>(
      page,
      `[document.documentElement, ...document.querySelectorAll('.scroll')].map(
        (box) => box.scrollWidth - box.clientWidth,
      )`,
    );
    expect(overflow.filter((pixels) => pixels > 0)).toEqual([]);
    // And a message gets the width of the screen to be read in, not a squeezed column.
    const message = page.locator('#dead tbody tr', { hasText: 'NoSuchTask' }).locator('td').last();
    const messageWidth = (await message.boundingBox())?.width ?? 0;
    expect(messageWidth).toBeGreaterThan(300);
    await page.screenshot({ path: join(SCREENSHOTS, 'status-page-phone.png'), fullPage: true });
    await page.close();
  });

  it('asks for the token again when the one kept is refused', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await inPage(page, "sessionStorage.setItem('delaytask-token', 'not-the-token')");
    await page.reload();
    await page.locator('#login').waitFor({ state: 'visible' });
    await expect(page.locator('#login-why').textContent()).resolves.toContain('refused');
    await page.close();
  });
});
