import { Queue } from 'bullmq';
import { OutboxRepository } from '@app/database';
import { QueueName, callEventJob, jobIds } from '@app/queue';
import { normalizeWebhook } from '@app/vapi';
import { OutboxRelayService } from '../../apps/api/src/outbox/outbox-relay.service';
import { TEST_POSTGRES_URL, TEST_REDIS_URL } from '../helpers/config';
import { fixtureBytes } from '../helpers/fixtures';
import { sample } from '../helpers/metrics';
import { OpsApi, startOpsApi, stopOpsApi } from '../helpers/ops-api';
import { TcpProxy } from '../helpers/tcp-proxy';

const WEBHOOK = '/api/webhook/vapi';

jest.setTimeout(60_000);

/**
 * The outbox on its own: the api's Redis and Postgres traffic go through proxies this test
 * cuts; the relay runs only when the test calls it (OUTBOX_RELAY_INTERVAL_MS=0), and no worker
 * runs, so every job the relay makes stays in the queue to be counted.
 */
describe('intake outbox', () => {
  let redisProxy: TcpProxy;
  let postgresProxy: TcpProxy;
  let h: OpsApi;
  let queue: Queue;
  let relay: OutboxRelayService;
  let outbox: OutboxRepository;

  beforeAll(async () => {
    redisProxy = await TcpProxy.start(Number(new URL(TEST_REDIS_URL).port || 6379));
    postgresProxy = await TcpProxy.start(Number(new URL(TEST_POSTGRES_URL).port || 5432));
    const pgUrl = new URL(TEST_POSTGRES_URL);
    pgUrl.host = `127.0.0.1:${postgresProxy.port}`;
    const redisUrl = new URL(TEST_REDIS_URL);
    redisUrl.host = `127.0.0.1:${redisProxy.port}`;
    const suffix = `${process.pid}_${Math.random().toString(16).slice(2, 10)}`;
    h = await startOpsApi({
      REDIS_URL: redisUrl.toString(),
      DATABASE_URL: `${pgUrl.toString().replace(/\/$/, '')}/vapi_hooks_test_outbox_${suffix}`,
      WEBHOOK_ENQUEUE_TIMEOUT_MS: '300',
      WEBHOOK_OUTBOX_TIMEOUT_MS: '500',
      OUTBOX_RELAY_INTERVAL_MS: '0',
      OUTBOX_RELAY_BATCH_SIZE: '100',
    });
    // The test's own view of the queue, straight to Redis (not through the proxy).
    queue = new Queue(QueueName.CallEvents, {
      connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: 1 },
      prefix: h.config.redis.prefix,
    });
    relay = h.app.get(OutboxRelayService);
    outbox = h.app.get(OutboxRepository);
  });

  afterAll(async () => {
    redisProxy?.restore();
    postgresProxy?.restore();
    await queue?.close();
    await stopOpsApi(h);
    await redisProxy?.close();
    await postgresProxy?.close();
  });

  const post = (name: string) =>
    h.app.inject({
      method: 'POST',
      url: WEBHOOK,
      payload: fixtureBytes(name),
      headers: { 'content-type': 'application/json' },
    });
  const jobIdOf = (name: string): string =>
    jobIds.callEvent(normalizeWebhook(JSON.parse(fixtureBytes(name).toString('utf8'))).dedupKey);
  const metrics = async (): Promise<string> =>
    (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
  const waiting = (): Promise<number> => queue.getJobCountByTypes('waiting');
  /** As the relay's timer would: retries while the api's connection to Redis comes back. */
  const relayOnceBack = async (): Promise<number> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        return await relay.relayPending();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };

  it('accepts events into the outbox while Redis is cut, one row per event even when redelivered', async () => {
    redisProxy.cut('reset');
    const names = ['status-update-ringing.json', 'status-update-in-progress.json'];
    for (const name of [...names, names[0]]) {
      const res = await post(name);
      expect({ name, status: res.statusCode }).toEqual({ name, status: 200 });
    }
    const rows = await h.db.dataSource.query<
      { job_id: string; queue: string; data: { dedupKey: string } }[]
    >('SELECT job_id, queue, data FROM outbox ORDER BY id');
    expect(rows.map((r) => r.job_id)).toEqual(names.map(jobIdOf));
    expect(rows.map((r) => r.queue)).toEqual([QueueName.CallEvents, QueueName.CallEvents]);
    expect(rows.every((r) => `evt-${r.data.dedupKey}` === r.job_id)).toBe(true);

    const text = await metrics();
    expect(sample(text, 'vapi_outbox_depth')).toBe(2);
    // Counted per acceptance: the redelivery was accepted too (into the row already there).
    expect(sample(text, 'vapi_outbox_jobs_total', { event: 'written' })).toBe(3);
    const ready = await h.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.json()).toMatchObject({
      details: { outbox: { status: 'up', depth: 2 }, redis: { status: 'down' } },
    });
  });

  it('keeps the outbox when the queue is still away: the relay fails and leaves every row', async () => {
    await expect(relay.relayPending()).rejects.toThrow();
    expect(await outbox.depth()).toBe(2);
  });

  it('relays the rows oldest first once Redis is back, with their job ids, and empties the outbox', async () => {
    redisProxy.restore();
    expect(await relayOnceBack()).toBe(2);
    expect(await outbox.depth()).toBe(0);
    const jobs = await queue.getJobs(['waiting'], 0, -1, true);
    expect(jobs.map((j) => j.id)).toEqual(
      ['status-update-ringing.json', 'status-update-in-progress.json'].map(jobIdOf),
    );
    expect(jobs[0].data).toMatchObject({
      dedupKey: expect.any(String),
      receivedAt: expect.any(String),
      payload: { message: { type: 'status-update', status: 'ringing' } },
    });
    const text = await metrics();
    expect(sample(text, 'vapi_outbox_depth')).toBe(0);
    expect(sample(text, 'vapi_outbox_jobs_total', { event: 'relayed' })).toBe(2);
  });

  it('relays a row twice as one job (a crash between the add and the delete)', async () => {
    const name = 'status-update-ringing.json';
    const before = await waiting();
    const stored = await queue.getJob(jobIdOf(name));
    await outbox.add({
      queue: QueueName.CallEvents,
      name: stored!.name,
      jobId: jobIdOf(name),
      data: stored!.data,
    });
    expect(await relay.relayPending()).toBe(1);
    expect(await waiting()).toBe(before);
    expect(await outbox.depth()).toBe(0);
  });

  it('lets relays run side by side: every row enqueued once, none left', async () => {
    const rows = 450;
    const base = await waiting();
    const job = callEventJob({ probe: true }, 'outbox-side-by-side', new Date());
    await h.db.dataSource.query(
      `INSERT INTO outbox (queue, job_name, job_id, data)
       SELECT $1, $2, $3 || '-' || i, $4 FROM generate_series(1, $5) AS i`,
      [QueueName.CallEvents, job.name, job.opts.jobId, JSON.stringify(job.data), rows],
    );
    // Three relays at once (batches of 100): as three api processes would.
    const moved = await Promise.all([
      relay.relayPending(),
      relay.relayPending(),
      relay.relayPending(),
    ]);
    const rest = await relay.relayPending();
    expect(moved.reduce((a, b) => a + b, 0) + rest).toBe(rows);
    expect(await outbox.depth()).toBe(0);
    expect(await waiting()).toBe(base + rows);
  });

  it('answers 200 from the queue while Redis is up, without touching the outbox', async () => {
    const res = await post('status-update-ended.json');
    expect(res.statusCode).toBe(200);
    expect(await outbox.depth()).toBe(0);
    expect(await queue.getJob(jobIdOf('status-update-ended.json'))).toBeDefined();
  });

  it('answers 503 only when Redis and Postgres are both cut', async () => {
    redisProxy.cut('reset');
    postgresProxy.cut('reset');
    const res = await post('end-of-call-report.json');
    expect(res.statusCode).toBe(503);
    expect(res.json<{ message: string }>().message).toMatch(/queue.*outbox/i);
    postgresProxy.restore();
    redisProxy.restore();
    expect(await queue.getJob(jobIdOf('end-of-call-report.json'))).toBeUndefined();
  });
});
