import { Queue } from 'bullmq';
import { QueueName } from '@app/queue';
import { createApiApp } from '../../apps/api/src/app.factory';
import { testConfig } from '../helpers/config';
import { fixtureBytes } from '../helpers/fixtures';
import { sample } from '../helpers/metrics';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';

const SECRET = 'ops-metrics-secret-3b9d';
const WEBHOOK = '/api/webhook/vapi';

describe('health and metrics', () => {
  describe('with Postgres and Redis up', () => {
    let h: OpsApi;
    let queue: Queue;
    beforeAll(async () => {
      h = await startOpsApi({
        VAPI_WEBHOOK_SECRET: SECRET,
        WEBHOOK_BODY_LIMIT_BYTES: String(64 * 1024),
      });
      queue = new Queue(QueueName.CallEvents, {
        connection: { url: h.config.redis.url, maxRetriesPerRequest: 1 },
        prefix: h.config.redis.prefix,
      });
    });
    afterAll(async () => {
      await queue?.close();
      await stopOpsApi(h);
    });

    const post = (body: Buffer | string, headers: Record<string, string> = {}) =>
      h.app.inject({
        method: 'POST',
        url: WEBHOOK,
        payload: body,
        headers: { 'content-type': 'application/json', 'x-vapi-secret': SECRET, ...headers },
      });
    const metrics = async (): Promise<string> => {
      const res = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      return res.body;
    };

    it('GET /health/live answers 200', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/health/live' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok' });
    });

    it('GET /health/ready answers 200 with both dependencies up', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'ok',
        info: { postgres: { status: 'up' }, redis: { status: 'up' } },
      });
    });

    it('probes stay outside the api prefix', async () => {
      for (const url of ['/api/health/ready', '/api/metrics']) {
        expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(404);
      }
    });

    it('serves default Node metrics', async () => {
      const text = await metrics();
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    });

    it('counts webhook requests by type and result, auth failures by mode, and times them', async () => {
      expect((await post(fixtureBytes('status-update-ringing.json'))).statusCode).toBe(200);
      expect((await post(fixtureBytes('speech-update.json'))).statusCode).toBe(200);
      expect((await post(fixtureBytes('hang.json'), { 'x-vapi-secret': 'wrong' })).statusCode).toBe(
        401,
      );
      const unsigned = await h.app.inject({
        method: 'POST',
        url: WEBHOOK,
        payload: fixtureBytes('hang.json'),
        headers: { 'content-type': 'application/json' },
      });
      expect(unsigned.statusCode).toBe(401);
      expect((await post('{"hello":"world"}')).statusCode).toBe(400);
      expect(
        (await post(fixtureBytes('hang.json'), { 'content-type': 'text/plain' })).statusCode,
      ).toBe(415);
      expect((await post(`{"pad":"${'x'.repeat(70 * 1024)}"}`)).statusCode).toBe(413);

      const text = await metrics();
      const requests = (type: string, result: string) =>
        sample(text, 'vapi_webhook_requests_total', { type, result });
      expect(requests('status-update', 'accepted')).toBe(1);
      expect(requests('speech-update', 'accepted')).toBe(1);
      expect(requests('unknown', 'unauthorized')).toBe(2);
      expect(requests('unknown', 'invalid')).toBe(1);
      expect(requests('unknown', 'unsupported_media_type')).toBe(1);
      expect(requests('unknown', 'too_large')).toBe(1);
      expect(sample(text, 'vapi_webhook_auth_failures_total', { mode: 'legacy-secret' })).toBe(2);
      expect(
        sample(text, 'vapi_webhook_intake_duration_seconds_count', { result: 'accepted' }),
      ).toBe(2);
      expect(
        sample(text, 'vapi_webhook_intake_duration_seconds_bucket', {
          result: 'accepted',
          le: '+Inf',
        }),
      ).toBe(2);
      expect(
        sample(text, 'vapi_webhook_intake_duration_seconds_sum', { result: 'accepted' }),
      ).toBeGreaterThan(0);
    });

    it('maps unknown message types to "other", keeping label values bounded', async () => {
      const body = JSON.parse(fixtureBytes('hang.json').toString('utf8')) as {
        message: Record<string, unknown>;
      };
      body.message.type = 'model-output-7f3a9c';
      expect((await post(JSON.stringify(body))).statusCode).toBe(200);
      const text = await metrics();
      expect(
        sample(text, 'vapi_webhook_requests_total', { type: 'other', result: 'accepted' }),
      ).toBe(1);
      expect(text).not.toContain('model-output-7f3a9c');
    });

    it('exports per-queue job counts and the age of the oldest waiting job', async () => {
      await queue.obliterate({ force: true });
      const oldest = Date.now() - 90_000;
      await queue.add('apply-call-event', {}, { jobId: 'gauge-1', timestamp: oldest });
      await queue.add('apply-call-event', {}, { jobId: 'gauge-2' });
      await queue.add('apply-call-event', {}, { jobId: 'gauge-3', delay: 60_000 });
      const text = await metrics();
      const jobs = (q: string, state: string) =>
        sample(text, 'vapi_queue_jobs', { queue: q, state });
      expect(jobs('call-events', 'waiting')).toBe(2);
      expect(jobs('call-events', 'delayed')).toBe(1);
      expect(jobs('call-events', 'active')).toBe(0);
      expect(jobs('call-events', 'failed')).toBe(0);
      for (const name of Object.values(QueueName)) {
        expect(jobs(name, 'waiting')).toBeDefined();
        expect(
          sample(text, 'vapi_queue_oldest_waiting_age_seconds', { queue: name }),
        ).toBeDefined();
      }
      const age = sample(text, 'vapi_queue_oldest_waiting_age_seconds', { queue: 'call-events' });
      expect(age).toBeGreaterThanOrEqual(90);
      expect(age).toBeLessThan(120);
      expect(sample(text, 'vapi_queue_oldest_waiting_age_seconds', { queue: 'maintenance' })).toBe(
        0,
      );
    });
  });

  describe('with Redis unreachable', () => {
    let h: OpsApi;
    beforeAll(async () => {
      // Port 1 on loopback is closed: connections are refused at once.
      h = await startOpsApi({
        REDIS_URL: 'redis://127.0.0.1:1',
        WEBHOOK_ENQUEUE_TIMEOUT_MS: '500',
      });
    });
    afterAll(async () => stopOpsApi(h));

    it('GET /health/ready answers 503 quickly, naming Redis as down and Postgres as up', async () => {
      const started = Date.now();
      const res = await h.app.inject({ method: 'GET', url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(res.json()).toMatchObject({
        status: 'error',
        info: { postgres: { status: 'up' } },
        error: { redis: { status: 'down' } },
      });
    });

    it('GET /health/live still answers 200', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    });

    it('still serves /metrics, the event kept in the outbox, the queue gauges left out', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: WEBHOOK,
        payload: fixtureBytes('status-update-ringing.json'),
        headers: { 'content-type': 'application/json' },
      });
      // Postgres is up: the event waits in the outbox for Redis (503 only when both are down).
      expect(res.statusCode).toBe(200);
      const started = Date.now();
      const scrape = await h.app.inject({ method: 'GET', url: '/metrics' });
      expect(scrape.statusCode).toBe(200);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(
        sample(scrape.body, 'vapi_webhook_requests_total', {
          type: 'status-update',
          result: 'accepted',
        }),
      ).toBe(1);
      expect(sample(scrape.body, 'vapi_outbox_depth')).toBe(1);
      expect(sample(scrape.body, 'vapi_queue_jobs')).toBeUndefined();
    });
  });

  describe('with Postgres unreachable', () => {
    it('GET /health/ready answers 503 naming Postgres as not connected, while live stays 200', async () => {
      // The api boots anyway (it connects to Postgres in the background).
      const app = await createApiApp(
        testConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/vapi_hooks_test_unreachable' }),
      );
      try {
        await app.init();
        await app.getHttpAdapter().getInstance().ready();
        const res = await app.inject({ method: 'GET', url: '/health/ready' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toMatchObject({
          info: { redis: { status: 'up' } },
          error: { postgres: { status: 'down', message: expect.stringMatching(/not connected/) } },
        });
        expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      } finally {
        await app.close();
      }
    });
  });
});
