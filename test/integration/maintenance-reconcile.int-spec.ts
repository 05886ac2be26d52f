import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { AppConfig } from '@app/config';
import {
  JobName,
  JobSchedulerId,
  QueueName,
  jobIds,
  producerConnection,
  callEventJob,
} from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { runMaintenanceCommand } from '../../apps/cli/src/maintenance-commands';
import {
  endOfCallReportFromCall,
  type VapiCall,
} from '../../apps/worker/src/maintenance/end-of-call-report';
import { MaintenanceScheduler } from '../../apps/worker/src/maintenance/maintenance.scheduler';
import { ReconcileService } from '../../apps/worker/src/maintenance/reconcile.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { deleteQueueKeys } from '../helpers/redis';
import { fixtureForCall } from '../helpers/synthetic-calls';

jest.setTimeout(60_000);

/** Distinctive, so finding it anywhere can only mean it leaked. */
const API_KEY = 'vapi-private-key-reconcile-5d8e2a71';

/** Every line the worker logs, whatever the level. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private capture(level: string, message: unknown, rest: unknown[]): void {
    this.lines.push([level, message, ...rest].map((part) => JSON.stringify(part)).join(' '));
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.capture('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.capture('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.capture('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.capture('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.capture('verbose', message, rest);
  }
}

/** A stand-in for VAPI: `GET /call/{id}` from a table, and recording storage under /storage/. */
class FakeVapi {
  readonly server: Server;
  readonly requests: { path: string; authorization?: string }[] = [];
  readonly calls = new Map<string, { status: number; body?: unknown; delayMs?: number }>();
  url = '';

  constructor() {
    this.server = createServer((req: IncomingMessage, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/storage/')) {
        res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.from(`audio ${path}`));
        return;
      }
      this.requests.push({ path, authorization: req.headers.authorization });
      const id = decodeURIComponent(/^\/call\/([^/?]+)$/.exec(path)?.[1] ?? '');
      const answer = this.calls.get(id) ?? { status: 404, body: { message: 'Not Found' } };
      setTimeout(() => {
        if (res.destroyed) return;
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body ?? {}));
      }, answer.delayMs ?? 0);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A fixture body for `callId` whose recording URLs point at this server. */
  body(name: string, callId: string): Record<string, unknown> {
    const text = JSON.stringify(fixtureForCall(name, callId));
    return JSON.parse(
      text.split('https://storage.vapi.ai/').join(`${this.url}/storage/`),
    ) as Record<string, unknown>;
  }

  /** The Call object VAPI would return for an ended call (the fixture report's `call`). */
  endedCall(callId: string): VapiCall {
    return (this.body('end-of-call-report.json', callId).message as { call: VapiCall }).call;
  }

  requestedIds(): string[] {
    return this.requests.map((r) => decodeURIComponent(r.path.replace('/call/', '')));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe(ReconcileService.name, () => {
  const vapi = new FakeVapi();
  const logger = new CapturingLogger();
  let config: AppConfig;
  let db: TestDatabase;
  let app: INestApplicationContext;
  let reconcile: ReconcileService;
  let queues: Record<QueueName, Queue>;
  let dir: string;

  beforeAll(async () => {
    await vapi.listen();
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-reconcile-'));
    config = testConfig({
      VAPI_API_KEY: API_KEY,
      VAPI_API_URL: `${vapi.url}/`,
      VAPI_API_TIMEOUT_MS: '300',
      // This suite is about the stale-call lookup, one request per call: the sweep (its own
      // suite) stays off, and failures are not retried (the client's retries are tested apart).
      RECONCILE_SWEEP_INTERVAL_SECONDS: '0',
      VAPI_API_RETRIES: '0',
      RECORDINGS_DIR: dir,
      WORKER_BACKOFF_MS: '20',
    });
    db = await createTestDatabase(config);
    app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger });
    await app.get(MaintenanceScheduler).whenRegistered();
    reconcile = app.get(ReconcileService);
    queues = Object.fromEntries(
      Object.values(QueueName).map((name) => [
        name,
        new Queue(name, { connection: producerConnection(config), prefix: config.redis.prefix }),
      ]),
    ) as Record<QueueName, Queue>;
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all(Object.values(queues ?? {}).map((q) => q.close()));
    if (db) await deleteQueueKeys(config.redis.url, config.redis.prefix);
    await db?.drop();
    await vapi.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Enqueues a body exactly as the api does. */
  async function post(body: Record<string, unknown>): Promise<void> {
    const event = normalizeWebhook(body);
    const job = callEventJob(redactPayload(body), event.dedupKey, new Date());
    await queues[QueueName.CallEvents].add(job.name, job.data, job.opts);
  }

  /** Waits until the pipeline queues have nothing waiting, delayed or active, twice in a row. */
  async function drain(): Promise<void> {
    const deadline = Date.now() + 20_000;
    let empty = 0;
    while (empty < 2) {
      if (Date.now() > deadline) throw new Error('queues did not drain');
      const pending = await Promise.all(
        [QueueName.CallEvents, QueueName.Transcripts, QueueName.Recordings].map(async (name) => {
          const counts = await queues[name].getJobCounts('waiting', 'active', 'delayed');
          return counts.waiting + counts.active + counts.delayed;
        }),
      );
      empty = pending.every((n) => n === 0) ? empty + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Makes a call look untouched for an hour (older than RECONCILE_STALE_MINUTES). */
  async function makeStale(callId: string): Promise<void> {
    await db.dataSource.query(
      `UPDATE calls SET updated_at = now() - interval '1 hour' WHERE id = $1`,
      [callId],
    );
  }

  async function callRow(callId: string): Promise<Record<string, unknown>> {
    const [row] = await db.dataSource.query<Record<string, unknown>[]>(
      'SELECT * FROM calls WHERE id = $1',
      [callId],
    );
    return row;
  }

  it('registers its schedule when an API key is set', async () => {
    const schedulers = await queues[QueueName.Maintenance].getJobSchedulers();
    expect(
      schedulers
        .map((s) => [s.key, s.name, s.every])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      [JobSchedulerId.PurgePayloads, JobName.PurgePayloads, 60 * 60 * 1000],
      [JobSchedulerId.ReconcileCalls, JobName.ReconcileCalls, 15 * 60 * 1000],
    ]);
  });

  it('applies a missed end-of-call report from VAPI: the stale call ends with cost, summary, transcript', async () => {
    const callId = 'reconcile-missed';
    await post(vapi.body('status-update-ringing.json', callId));
    await post(vapi.body('status-update-in-progress.json', callId));
    await drain();
    expect(await callRow(callId)).toMatchObject({ status: 'in-progress', summary: null });
    await makeStale(callId);
    vapi.calls.set(callId, { status: 200, body: vapi.endedCall(callId) });
    vapi.requests.length = 0;

    const report = await reconcile.reconcile();

    expect(report).toEqual({
      checked: 1,
      enqueued: [callId],
      alreadyReported: 0,
      notEnded: 0,
      notFound: 0,
      failed: 0,
    });
    expect(vapi.requests).toEqual([
      { path: `/call/${callId}`, authorization: `Bearer ${API_KEY}` },
    ]);
    await drain();
    const row = await callRow(callId);
    expect(row).toMatchObject({
      status: 'ended',
      outcome: 'completed',
      ended_reason: 'customer-ended-call',
      cost: '0.097100',
      duration_seconds: '57.343',
      transcript_source: 'report',
    });
    expect(row.summary).toMatch(/^Dana Whitfield called/);
    expect(row.transcript_text).toMatch(/^AI: Thanks for calling/);
    const segments = await db.dataSource.query(
      'SELECT * FROM transcript_segments WHERE call_id = $1',
      [callId],
    );
    expect(segments).toHaveLength(11);
    const recordings = await db.dataSource.query<{ state: string }[]>(
      'SELECT state FROM recordings WHERE call_id = $1',
      [callId],
    );
    expect(recordings.map((r) => r.state)).toEqual(['stored', 'stored', 'stored', 'stored']);
    const [logged] = await db.dataSource.query<{ message_type: string; payload: string }[]>(
      `SELECT message_type, payload::text AS payload FROM call_events
        WHERE call_id = $1 AND kind = 'end-of-call-report'`,
      [callId],
    );
    expect(logged.message_type).toBe('end-of-call-report');
    expect(logged.payload).not.toContain(API_KEY);

    // Once recovered, it is no longer stale: the next run has nothing to ask VAPI.
    await makeStale(callId);
    expect((await reconcile.reconcile()).checked).toBe(0);
  });

  it('is a no-op for a call whose report did arrive (same dedup key, same job id)', async () => {
    const callId = 'reconcile-arrived';
    const real = vapi.body('end-of-call-report.json', callId);
    await post(vapi.body('status-update-in-progress.json', callId));
    await post(real);
    await drain();
    const before = await callRow(callId);
    vapi.calls.set(callId, { status: 200, body: vapi.endedCall(callId) });
    vapi.requests.length = 0;

    const report = await reconcile.reconcile({ callIds: [callId] });

    expect(report).toMatchObject({ checked: 1, enqueued: [], alreadyReported: 1 });
    expect(vapi.requests).toEqual([]);
    await drain();
    expect(await callRow(callId)).toEqual(before);
    // Even had it been enqueued, it would be the real report's job: BullMQ keeps that id.
    const synthesised = normalizeWebhook(endOfCallReportFromCall(vapi.endedCall(callId)));
    const job = await queues[QueueName.CallEvents].getJob(jobIds.callEvent(synthesised.dedupKey));
    expect(job?.data.dedupKey).toBe(normalizeWebhook(real).dedupKey);
  });

  it('skips calls VAPI does not know, has not ended, or cannot answer, and leaves fresh calls alone', async () => {
    const ids = {
      gone: 'reconcile-gone',
      live: 'reconcile-live',
      broken: 'reconcile-broken',
      slow: 'reconcile-slow',
      fresh: 'reconcile-fresh',
    };
    for (const id of Object.values(ids)) await post(vapi.body('status-update-ringing.json', id));
    await drain();
    for (const id of [ids.gone, ids.live, ids.broken, ids.slow]) await makeStale(id);
    vapi.calls.set(ids.live, {
      status: 200,
      body: { ...vapi.endedCall(ids.live), status: 'in-progress' },
    });
    vapi.calls.set(ids.broken, { status: 502, body: { message: 'bad gateway' } });
    vapi.calls.set(ids.slow, { status: 200, body: vapi.endedCall(ids.slow), delayMs: 2000 });
    vapi.requests.length = 0;

    const report = await reconcile.reconcile();

    expect(report).toEqual({
      checked: 4,
      enqueued: [],
      alreadyReported: 0,
      notEnded: 1,
      notFound: 1,
      failed: 2,
    });
    expect(vapi.requestedIds().sort()).toEqual([ids.broken, ids.gone, ids.live, ids.slow].sort());
    await drain();
    for (const id of Object.values(ids)) expect((await callRow(id)).status).toBe('ringing');
    const warnings = logger.lines.filter((line) => line.startsWith('"warn"'));
    expect(warnings.some((l) => l.includes(ids.gone) && l.includes('404'))).toBe(true);
    expect(warnings.some((l) => l.includes(ids.broken) && l.includes('502'))).toBe(true);
    expect(
      warnings.some((l) => l.includes(ids.slow) && l.includes('no answer within 300 ms')),
    ).toBe(true);
  });

  it('never writes the API key to a log line, the event log or a job', async () => {
    expect(logger.lines.length).toBeGreaterThan(3);
    expect(logger.lines.join('\n')).not.toContain(API_KEY);
    const [{ found }] = await db.dataSource.query<{ found: number }[]>(
      `SELECT count(*)::int AS found FROM call_events WHERE payload::text LIKE $1`,
      [`%${API_KEY}%`],
    );
    expect(found).toBe(0);
    const jobs = await queues[QueueName.CallEvents].getJobs(['completed', 'failed', 'waiting']);
    expect(jobs.length).toBeGreaterThan(0);
    expect(JSON.stringify(jobs.map((j): unknown => j.data))).not.toContain(API_KEY);
  });

  it('runs from the CLI, and refuses without an API key', async () => {
    const callId = 'reconcile-cli';
    await post(vapi.body('status-update-ringing.json', callId));
    await drain();
    vapi.calls.set(callId, { status: 200, body: vapi.endedCall(callId) });
    const lines: string[] = [];

    const code = await runMaintenanceCommand(
      'reconcile',
      ['--call', callId],
      config,
      (line) => void lines.push(line),
    );

    expect(code).toBe(0);
    expect(lines).toEqual(
      expect.arrayContaining(['calls checked: 1', 'missed end-of-call reports enqueued: 1']),
    );
    await drain();
    expect((await callRow(callId)).status).toBe('ended');
    await expect(
      runMaintenanceCommand('reconcile', [], {
        ...config,
        vapi: { ...config.vapi, apiKey: undefined },
      }),
    ).rejects.toThrow(/VAPI_API_KEY/);
  });
});
