import { Job, Queue, Worker } from 'bullmq';
import { AppConfig } from '@app/config';
import { QueueName } from '@app/queue';
import { OpsApi, basicAuth, startOpsApi, stopOpsApi } from '../helpers/ops-api';

const ADMIN = { ADMIN_USERNAME: 'ops-admin', ADMIN_PASSWORD: 'board-pass-7c1e' };
const GOOD = basicAuth(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
const BOARD = '/admin/queues';

interface BoardQueue {
  name: string;
  readOnlyMode: boolean;
  allowRetries: boolean;
  counts: Record<string, number>;
}

const openQueue = (config: AppConfig, name: QueueName): Queue =>
  new Queue(name, {
    connection: { url: config.redis.url, maxRetriesPerRequest: 1 },
    prefix: config.redis.prefix,
  });

async function waitForState(job: Job, state: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await job.getState()) !== state) {
    if (Date.now() > deadline) throw new Error(`job ${job.id} never reached ${state}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Adds a job and lets a throwaway worker fail it once (attempts: 1), leaving it `failed`. */
async function failedJob(config: AppConfig, queue: Queue, jobId: string): Promise<Job> {
  const job = await queue.add('apply-call-event', { test: jobId }, { jobId, attempts: 1 });
  const worker = new Worker(
    queue.name,
    () => Promise.reject(new Error('failed on purpose for the board test')),
    {
      connection: { url: config.redis.url, maxRetriesPerRequest: null },
      prefix: config.redis.prefix,
    },
  );
  try {
    await waitForState(job, 'failed');
  } finally {
    await worker.close();
  }
  return job;
}

describe('Bull Board at /admin/queues', () => {
  describe('with admin credentials configured', () => {
    let h: OpsApi;
    let queue: Queue;
    beforeAll(async () => {
      h = await startOpsApi(ADMIN);
      queue = openQueue(h.config, QueueName.CallEvents);
    });
    afterAll(async () => {
      await queue?.close();
      await stopOpsApi(h);
    });
    beforeEach(async () => {
      await queue.obliterate({ force: true });
    });

    const request = (
      method: 'GET' | 'PUT' | 'POST' | 'HEAD',
      url: string,
      authorization?: string,
      payload?: unknown,
    ) =>
      h.app.inject({
        method,
        url,
        headers: {
          ...(authorization === undefined ? {} : { authorization }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
      });

    it('serves the board page with credentials, outside the api prefix', async () => {
      const res = await request('GET', BOARD, GOOD);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('<base href="/admin/queues/"');
      expect(res.body).toContain('__UI_CONFIG__');
      expect(res.body).toContain('"boardTitle":"vapi-hooks"');
      expect((await request('GET', `/api${BOARD}`, GOOD)).statusCode).toBe(404);
    });

    it('serves its static assets with credentials', async () => {
      const page = await request('GET', BOARD, GOOD);
      const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(page.body)?.[1];
      expect(script).toBeDefined();
      const res = await request('GET', `${BOARD}/${script}`, GOOD);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/javascript/);
    });

    it('lists every queue, writable and retryable, in its JSON API', async () => {
      const res = await request('GET', `${BOARD}/api/queues`, GOOD);
      expect(res.statusCode).toBe(200);
      const { queues } = res.json<{ queues: BoardQueue[] }>();
      expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QueueName).sort());
      for (const q of queues) {
        expect(q.readOnlyMode).toBe(false);
        expect(q.allowRetries).toBe(true);
      }
    });

    describe.each([
      ['no credentials', undefined],
      ['a wrong password', basicAuth(ADMIN.ADMIN_USERNAME, 'board-pass-7c1f')],
      ['a wrong username', basicAuth('admin', ADMIN.ADMIN_PASSWORD)],
      ['a Bearer token', `Bearer ${ADMIN.ADMIN_PASSWORD}`],
    ])('with %s', (_label, authorization) => {
      it.each([
        ['the page', 'GET', BOARD],
        ['the page with a trailing slash', 'GET', `${BOARD}/`],
        ['a static asset', 'GET', `${BOARD}/static/favicon-32x32.png`],
        ['the JSON API', 'GET', `${BOARD}/api/queues`],
        ['a percent-encoded API path', 'GET', `${BOARD}/api/%71ueues`],
        ['a job action', 'PUT', `${BOARD}/api/queues/call-events/retry/failed`],
        ['a HEAD request', 'HEAD', BOARD],
        ['an unknown path under the board', 'GET', `${BOARD}/nothing-here`],
      ] as const)('answers 401 with a Basic challenge for %s', async (_what, method, url) => {
        const res = await request(method, url, authorization);
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Basic realm="vapi-hooks admin"');
        if (method !== 'HEAD') expect(res.body).not.toContain('call-events');
      });
    });

    it('does not touch a failed job when an action is refused', async () => {
      const job = await failedJob(h.config, queue, 'board-refused-1');
      const res = await request('PUT', `${BOARD}/api/queues/call-events/${job.id}/retry`);
      expect(res.statusCode).toBe(401);
      expect(await job.getState()).toBe('failed');
    });

    it('retries a failed job through the board API', async () => {
      const job = await failedJob(h.config, queue, 'board-retry-1');
      const listed = await request(
        'GET',
        `${BOARD}/api/queues?activeQueue=call-events&status=failed`,
        GOOD,
      );
      const callEvents = listed
        .json<{ queues: BoardQueue[] }>()
        .queues.find((q) => q.name === 'call-events');
      expect(callEvents?.counts.failed).toBe(1);

      const res = await request('PUT', `${BOARD}/api/queues/call-events/${job.id}/retry`, GOOD);
      expect(res.statusCode).toBe(204);
      expect(await job.getState()).toBe('waiting');
      expect(await queue.getJobCounts('failed', 'waiting')).toEqual({ failed: 0, waiting: 1 });
    });

    it('retries every failed job of a queue through the board API', async () => {
      await failedJob(h.config, queue, 'board-retry-all-1');
      await failedJob(h.config, queue, 'board-retry-all-2');
      const res = await request('PUT', `${BOARD}/api/queues/call-events/retry/failed`, GOOD);
      expect(res.statusCode).toBe(200);
      expect(await queue.getJobCounts('failed', 'waiting')).toEqual({ failed: 0, waiting: 2 });
    });

    it('cleans (removes) a failed job through the board API', async () => {
      const job = await failedJob(h.config, queue, 'board-clean-1');
      const res = await request('PUT', `${BOARD}/api/queues/call-events/${job.id}/clean`, GOOD);
      expect(res.statusCode).toBe(204);
      expect(await queue.getJob('board-clean-1')).toBeUndefined();
    });

    it('accepts the JSON bodies of board actions (adding a job)', async () => {
      const res = await request('POST', `${BOARD}/api/queues/call-events/add`, GOOD, {
        name: 'apply-call-event',
        data: { added: 'from the board' },
        options: { jobId: 'board-added-1' },
      });
      expect(res.statusCode).toBe(200);
      const job = await queue.getJob('board-added-1');
      expect(job?.data).toEqual({ added: 'from the board' });
    });
  });

  describe('without admin credentials', () => {
    let h: OpsApi;
    beforeAll(async () => {
      h = await startOpsApi({ ADMIN_USERNAME: 'only-a-user' });
    });
    afterAll(async () => stopOpsApi(h));

    it.each([BOARD, `${BOARD}/api/queues`, `${BOARD}/static/favicon-32x32.png`])(
      'mounts nothing: %s is 404',
      async (url) => {
        const res = await h.app.inject({ method: 'GET', url, headers: { authorization: GOOD } });
        expect(res.statusCode).toBe(404);
        expect(res.body).not.toContain('call-events');
      },
    );
  });
});
