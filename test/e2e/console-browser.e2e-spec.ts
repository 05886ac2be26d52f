import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Browser, chromium } from 'playwright-core';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `Skipping the console browser check: ${CHROMIUM} is missing (apt-get install -y chromium).`,
  );
}

jest.setTimeout(120_000);

const TOKEN = 'console-browser-operator-token-93be';
const CALL_ID = 'c0ffee42-1d2e-4f3a-8b9c-00000000c0de';
const VAPI_STORAGE = 'https://storage.vapi.ai/';

/** One second of 8 kHz 16-bit mono silence: a WAV the browser can decode. */
function silentWav(): Buffer {
  const samples = 8000;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples * 2, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples * 2, 40);
  return Buffer.concat([header, Buffer.alloc(samples * 2)]);
}

(hasChromium ? describe : describe.skip)('calls console in a real browser', () => {
  let h: OpsApi;
  let worker: INestApplicationContext;
  let browser: Browser;
  let host: Server;
  let hostUrl: string;
  let base: string;
  let dir: string;

  const post = async (name: string): Promise<void> => {
    const payload = fixtureBytes(name)
      .toString('utf8')
      .split(FIXTURE_CALL_ID)
      .join(CALL_ID)
      .split(VAPI_STORAGE)
      .join(hostUrl);
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/webhook/vapi',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
  };

  beforeAll(async () => {
    const wav = silentWav();
    host = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav),
    );
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/`;
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-console-'));
    h = await startOpsApi({
      API_TOKENS: TOKEN,
      RECORDINGS_DIR: dir,
      RECORDINGS_BACKOFF_MS: '50',
      WORKER_BACKOFF_MS: '50',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'console-admin-pass',
    });
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(h.config), {
      logger: false,
    });
    await worker.init();
    await h.app.listen(0, '127.0.0.1');
    base = (await h.app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await stopOpsApi(h);
    await new Promise<void>((resolve) => host?.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects / to the console', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/console');
  });

  it('asks for a token, then follows a call live: status, transcript, recording', async () => {
    await post('status-update-ringing.json');
    const deadline = Date.now() + 30_000;
    while (
      (
        await h.app.inject({
          method: 'GET',
          url: `/api/calls/${CALL_ID}`,
          headers: { authorization: `Bearer ${TOKEN}` },
        })
      ).statusCode !== 200
    ) {
      if (Date.now() > deadline) throw new Error('the worker never stored the call');
      await new Promise((r) => setTimeout(r, 100));
    }

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/console`, { waitUntil: 'domcontentloaded' });

      // Protected read API: the page asks for a token before showing anything.
      await page.locator('#token-form.shown').waitFor({ timeout: 15_000 });
      expect(await page.locator('#calls tr').count()).toBe(0);
      await page.fill('#token', TOKEN);
      await page.click('#token-form button');
      const row = page.locator(`#calls tr[data-call-id="${CALL_ID}"]`);
      await row.waitFor({ timeout: 15_000 });
      expect(await page.getAttribute('#board-link', 'href')).toBe('/admin/queues');
      await row.click();
      await page.locator('#call-status', { hasText: 'ringing' }).waitFor({ timeout: 15_000 });
      await page.locator('#live', { hasText: 'live' }).waitFor({ timeout: 15_000 });
      // Marks this document: a reload would lose it.
      await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));

      await post('status-update-in-progress.json');
      await page.locator('#call-status', { hasText: 'in-progress' }).waitFor({ timeout: 30_000 });
      expect(await row.locator('.status').textContent()).toBe('in-progress');

      await post('conversation-update.json');
      await page.locator('#transcript li').first().waitFor({ timeout: 30_000 });
      const lines = await page.locator('#transcript li').count();
      expect(lines).toBeGreaterThan(1);

      await post('status-update-ended.json');
      await post('end-of-call-report.json');
      await page.locator('#call-status', { hasText: 'ended' }).waitFor({ timeout: 30_000 });
      expect(await page.locator('#transcript li').count()).toBeGreaterThanOrEqual(lines);

      // The worker downloads the recording; its `recording` change puts a player on the page.
      const audio = page.locator('#recording audio');
      await audio.waitFor({ timeout: 60_000 });
      await page.waitForFunction(
        () => {
          // No DOM lib in this tsconfig: the few fields read, typed by hand.
          const a = (
            globalThis as unknown as {
              document: {
                querySelector(s: string): { readyState: number; duration: number } | null;
              };
            }
          ).document.querySelector('#recording audio');
          return a !== null && a.readyState >= 1 && a.duration > 0.9;
        },
        undefined,
        { timeout: 30_000 },
      );
      expect(await audio.getAttribute('src')).toBe(
        `/api/calls/${CALL_ID}/recording?kind=mono&tenant=default`,
      );
      expect(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker)).toBe(
        42,
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
