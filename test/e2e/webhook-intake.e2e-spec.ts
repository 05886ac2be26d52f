import { createHmac } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Job, Queue } from 'bullmq';
import { AppConfig } from '@app/config';
import { JobName, JobOf, QueueName } from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { createApiApp } from '../../apps/api/src/app.factory';
import { testConfig } from '../helpers/config';
import { fixture, fixtureBytes, webhookFixtureNames } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';

type EventJob = Job<JobOf<JobName.ApplyCallEvent>>;

const WEBHOOK = '/api/webhook/vapi';

interface Harness {
  config: AppConfig;
  app: NestFastifyApplication;
  queue: Queue;
}

async function startApi(env: Record<string, string> = {}): Promise<Harness> {
  const config = testConfig(env);
  const app = await createApiApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const queue = new Queue(QueueName.CallEvents, {
    connection: { url: config.redis.url },
    prefix: config.redis.prefix,
  });
  return { config, app, queue };
}

async function stopApi(h: Harness): Promise<void> {
  await h.queue.close();
  await h.app.close();
  await deleteQueueKeys(h.config.redis.url, h.config.redis.prefix);
}

const post = (
  h: Pick<Harness, 'app'>,
  body: string | Buffer,
  headers: Record<string, string> = {},
  url = WEBHOOK,
) =>
  h.app.inject({
    method: 'POST',
    url,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers },
  });

const jobs = async (h: Harness): Promise<EventJob[]> =>
  (await h.queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])) as EventJob[];

describe('POST /api/webhook/vapi (intake)', () => {
  describe('without authentication configured', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startApi();
    });
    afterAll(async () => stopApi(h));
    beforeEach(async () => {
      await h.queue.obliterate({ force: true });
    });

    it.each(webhookFixtureNames())('accepts %s and enqueues its normalised event', async (name) => {
      const res = await post(h, fixtureBytes(name));
      expect(res.statusCode).toBe(200);
      const expected = normalizeWebhook(fixture(name));
      const queued = await jobs(h);
      expect(queued).toHaveLength(1);
      expect(queued[0].id).toBe(`evt-${expected.dedupKey}`);
      expect(queued[0].name).toBe(JobName.ApplyCallEvent);
      expect(queued[0].data.dedupKey).toBe(expected.dedupKey);
      expect(queued[0].data.payload).toEqual(redactPayload(fixture(name)));
      expect(Date.parse(queued[0].data.receivedAt)).not.toBeNaN();
      if (
        ['tool-calls.json', 'assistant-request.json', 'transfer-destination-request.json'].includes(
          name,
        )
      ) {
        expect(res.json()).not.toEqual({});
      } else {
        expect(res.json()).toEqual({});
      }
    });

    it('answers assistant-request with the configured error text when no assistant is set', async () => {
      const res = await post(h, fixtureBytes('assistant-request.json'));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ error: h.config.vapi.assistantRequestError });
    });

    it('answers tool-calls with a result entry for every toolCallId, unknown tools as errors', async () => {
      const body = fixture<{ message: { toolCallList: unknown[] } }>('tool-calls.json');
      body.message.toolCallList.push({
        id: 'call_time_1',
        type: 'function',
        function: { name: 'get_current_time', arguments: '{"timezone":"Europe/Paris"}' },
      });
      const res = await post(h, JSON.stringify(body));
      expect(res.statusCode).toBe(200);
      const { results } = res.json<{ results: Record<string, string>[] }>();
      expect(results).toHaveLength(2);
      expect(results[0]).toEqual({
        toolCallId: 'call_Qm7vX2rT9kLp4sNw8yBd3HfZ',
        name: 'check_availability',
        error: 'Unknown tool: check_availability',
      });
      expect(results[1].toolCallId).toBe('call_time_1');
      expect(JSON.parse(results[1].result)).toMatchObject({ timezone: 'Europe/Paris' });
      expect(results[1].result).not.toContain('\n');
    });

    it('answers transfer-destination-request with an error when no destination is configured', async () => {
      const res = await post(h, fixtureBytes('transfer-destination-request.json'));
      expect(res.json()).toEqual({ error: 'No transfer destination is configured.' });
    });

    it('answers knowledge-base-request with an empty document list', async () => {
      const body = fixture<{ message: Record<string, unknown> }>('hang.json');
      body.message.type = 'knowledge-base-request';
      body.message.messages = [];
      const res = await post(h, JSON.stringify(body));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ documents: [] });
    });

    it('acknowledges a duplicate delivery without a second job, even with new presigned URLs', async () => {
      const body = fixture<{ message: { artifact: Record<string, unknown> } }>(
        'end-of-call-report.json',
      );
      expect((await post(h, JSON.stringify(body))).statusCode).toBe(200);
      body.message.artifact.presignedMonoUrl =
        'https://storage.example/mono.wav?sig=second-delivery';
      expect((await post(h, JSON.stringify(body))).statusCode).toBe(200);
      expect((await post(h, fixtureBytes('end-of-call-report.json'))).statusCode).toBe(200);
      expect(await jobs(h)).toHaveLength(1);
    });

    it('accepts and records unknown message types', async () => {
      const body = fixture<{ message: Record<string, unknown> }>('hang.json');
      body.message.type = 'model-output';
      body.message.output = { text: 'hello' };
      const res = await post(h, JSON.stringify(body));
      expect(res.statusCode).toBe(200);
      const [job] = await jobs(h);
      const event = normalizeWebhook(job.data.payload);
      expect(event.kind).toBe('other');
      expect(event.messageType).toBe('model-output');
    });

    it('redacts credentials from the payload it enqueues', async () => {
      const body = fixture<{ message: Record<string, Record<string, unknown>> }>(
        'status-update-ringing.json',
      );
      body.message.phoneNumber = {
        ...body.message.phoneNumber,
        twilioAccountSid: 'AC0123456789abcdef0123456789abcdef',
        twilioAuthToken: 'super-secret-twilio-token',
      };
      expect((await post(h, JSON.stringify(body))).statusCode).toBe(200);
      const [job] = await jobs(h);
      const stored = JSON.stringify(job.data);
      expect(stored).not.toContain('super-secret-twilio-token');
      expect(stored).not.toContain('AC0123456789abcdef0123456789abcdef');
      expect(stored).toContain('[redacted]');
    });

    it('takes an end-of-call report with a long transcript (about 3 MB) under the default limit', async () => {
      const body = fixture<{ message: { artifact: { messages: unknown[] } } }>(
        'end-of-call-report.json',
      );
      const turn = body.message.artifact.messages[1];
      body.message.artifact.messages = Array.from({ length: 15_000 }, () => turn);
      const raw = JSON.stringify(body);
      expect(raw.length).toBeGreaterThan(2_500_000);
      expect((await post(h, raw)).statusCode).toBe(200);
    });

    it('accepts the path with a trailing slash', async () => {
      const res = await post(h, fixtureBytes('status-update-ringing.json'), {}, `${WEBHOOK}/`);
      expect(res.statusCode).toBe(200);
      expect(await jobs(h)).toHaveLength(1);
    });

    it.each([
      ['not JSON', '{"message": {"type": ', /not valid JSON/],
      ['empty', '', /empty/],
      ['neither format', '{"hello": "world"}', /./],
      ['a JSON array', '[1,2,3]', /object/],
      [
        'a status-update without call id',
        '{"message":{"type":"status-update","status":"ringing"}}',
        /call/,
      ],
      ['a legacy event without call id', '{"type":"call.started","call":{}}', /call/],
    ])('rejects %s with 400 and a message, enqueuing nothing', async (_label, body, message) => {
      const res = await post(h, body);
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(message);
      expect(await jobs(h)).toHaveLength(0);
    });

    it('rejects a non-JSON content type with 415', async () => {
      const res = await post(h, fixtureBytes('hang.json'), { 'content-type': 'text/plain' });
      expect(res.statusCode).toBe(415);
      expect(await jobs(h)).toHaveLength(0);
    });

    it.each(['GET', 'PUT', 'PATCH', 'DELETE'] as const)('rejects %s with 405', async (method) => {
      const res = await h.app.inject({ method, url: WEBHOOK });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });
  });

  describe('with a small body limit', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startApi({ WEBHOOK_BODY_LIMIT_BYTES: String(16 * 1024) });
    });
    afterAll(async () => stopApi(h));

    it('rejects an oversize body with 413 and enqueues nothing', async () => {
      const res = await post(h, fixtureBytes('end-of-call-report.json'));
      expect(res.statusCode).toBe(413);
      expect(await jobs(h)).toHaveLength(0);
    });
  });

  describe('with authentication configured', () => {
    const hmacSecret = 'e2e-hmac-secret';
    let h: Harness;
    beforeAll(async () => {
      h = await startApi({
        VAPI_WEBHOOK_SECRET: 'legacy-old,legacy-new',
        VAPI_WEBHOOK_BEARER_TOKEN: 'bearer-token-1',
        VAPI_WEBHOOK_HMAC_SECRET: hmacSecret,
      });
    });
    afterAll(async () => stopApi(h));
    beforeEach(async () => {
      await h.queue.obliterate({ force: true });
    });

    const sign = (body: Buffer, timestamp: string, secret = hmacSecret): string =>
      createHmac('sha256', secret)
        .update(Buffer.concat([Buffer.from(`${timestamp}.`), body]))
        .digest('hex');

    it('accepts a fresh HMAC signature over the raw bytes', async () => {
      const body = fixtureBytes('hmac-vector.body.json');
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await post(h, body, { 'x-timestamp': ts, 'x-signature': sign(body, ts) });
      expect(res.statusCode).toBe(200);
      expect(await jobs(h)).toHaveLength(1);
    });

    it('accepts either active legacy secret and the bearer token', async () => {
      const accepted: Record<string, string>[] = [
        { 'x-vapi-secret': 'legacy-old' },
        { 'x-vapi-secret': 'legacy-new' },
        { authorization: 'Bearer bearer-token-1' },
      ];
      for (const headers of accepted) {
        expect((await post(h, fixtureBytes('hang.json'), headers)).statusCode).toBe(200);
      }
    });

    it.each([
      ['no credentials', {}],
      ['a wrong legacy secret', { 'x-vapi-secret': 'legacy-wrong' }],
      ['a wrong bearer token', { authorization: 'Bearer nope' }],
      ['a stale HMAC timestamp', { 'x-timestamp': '1773327908', 'x-signature': 'x' }],
    ])('rejects %s with 401 and enqueues nothing', async (_label, headers) => {
      const res = await post(h, fixtureBytes('hang.json'), headers);
      expect(res.statusCode).toBe(401);
      expect(res.json<{ message: string }>().message).toBeTruthy();
      expect(JSON.stringify(res.json())).not.toContain('legacy-old');
      expect(await jobs(h)).toHaveLength(0);
    });

    it('rejects a body changed after signing', async () => {
      const body = fixtureBytes('hmac-vector.body.json');
      const ts = String(Math.floor(Date.now() / 1000));
      const signature = sign(body, ts);
      const tampered = Buffer.from(body.toString('utf8').replace('ended', 'ENDED'));
      const res = await post(h, tampered, { 'x-timestamp': ts, 'x-signature': signature });
      expect(res.statusCode).toBe(401);
    });

    it('checks auth before parsing: bad auth with malformed JSON is 401, not 400', async () => {
      const res = await post(h, '{not json', { 'x-vapi-secret': 'wrong' });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('when Redis is unreachable', () => {
    let h: Pick<Harness, 'app'>;
    beforeAll(async () => {
      // Port 1 on loopback is closed: connections are refused at once.
      const config = testConfig({
        REDIS_URL: 'redis://127.0.0.1:1',
        WEBHOOK_ENQUEUE_TIMEOUT_MS: '1500',
      });
      const app = await createApiApp(config);
      await app.init();
      h = { app };
    });
    afterAll(async () => h.app.close());

    it('answers 503 within the configured bound', async () => {
      const started = Date.now();
      const res = await post(h, fixtureBytes('status-update-ringing.json'));
      const elapsed = Date.now() - started;
      expect(res.statusCode).toBe(503);
      expect(res.json<{ message: string }>().message).toMatch(/queue/i);
      expect(elapsed).toBeLessThan(1500 + 1000);
    });

    it('still answers a tool call (the caller is waiting) even though it cannot be recorded', async () => {
      const res = await post(h, fixtureBytes('tool-calls.json'));
      expect(res.statusCode).toBe(200);
      expect(res.json<{ results: unknown[] }>().results).toHaveLength(1);
    });
  });

  describe('in production', () => {
    it('refuses to start without any webhook secret', async () => {
      await expect(createApiApp(testConfig({ NODE_ENV: 'production' }))).rejects.toThrow(
        /refusing to start/,
      );
    });
  });
});
