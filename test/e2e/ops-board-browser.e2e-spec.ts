import { existsSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Browser, chromium } from 'playwright-core';
import { QueueName } from '@app/queue';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN = { username: 'browser-admin', password: 'browser-pass-2a6b' };
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `Skipping the Bull Board browser check: ${CHROMIUM} is missing (apt-get install -y chromium).`,
  );
}

jest.setTimeout(60_000);

(hasChromium ? describe : describe.skip)('Bull Board in a real browser', () => {
  let h: OpsApi;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    h = await startOpsApi({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    await h.app.listen(0, '127.0.0.1');
    base = (await h.app.getUrl()).replace('[::1]', '127.0.0.1');
    const queue = new Queue(QueueName.CallEvents, {
      connection: { url: h.config.redis.url, maxRetriesPerRequest: 1 },
      prefix: h.config.redis.prefix,
    });
    await queue.add('apply-call-event', { from: 'browser test' }, { jobId: 'browser-job-1' });
    await queue.close();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
  });
  afterAll(async () => {
    await browser?.close();
    await stopOpsApi(h);
  });

  it('renders every queue name for a signed-in admin', async () => {
    const context = await browser.newContext({ httpCredentials: ADMIN });
    try {
      const page = await context.newPage();
      // Anything leaving the machine (web fonts) is refused: the board must not need it.
      await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
      const response = await page.goto(`${base}/admin/queues`, { waitUntil: 'domcontentloaded' });
      expect(response?.status()).toBe(200);
      for (const name of Object.values(QueueName)) {
        await page.getByText(name, { exact: true }).first().waitFor({ timeout: 15_000 });
      }
      expect(await page.title()).toBe('vapi-hooks');
    } finally {
      await context.close();
    }
  });

  it.each([
    ['without credentials', undefined],
    ['with a wrong password', { username: ADMIN.username, password: 'not-the-password' }],
  ])('is refused %s', async (_label, httpCredentials) => {
    const context = await browser.newContext(httpCredentials ? { httpCredentials } : {});
    try {
      const page = await context.newPage();
      // Chromium either shows the 401 or, with no credentials to offer, fails the navigation.
      const outcome = await page.goto(`${base}/admin/queues`).then(
        async (response) => `${response?.status()} ${await response?.text()}`,
        (error: Error) => error.message,
      );
      expect(outcome).toMatch(/^401 |ERR_INVALID_AUTH_CREDENTIALS/);
      expect(outcome).not.toContain('call-events');
    } finally {
      await context.close();
    }
  });
});
