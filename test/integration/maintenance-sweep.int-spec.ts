import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { AppConfig } from '@app/config';
import { QueueName, callEventJob, producerConnection } from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import {
  CALLS_WATERMARK_KEY,
  CallSweepService,
} from '../../apps/worker/src/maintenance/call-sweep.service';
import { MaintenanceScheduler } from '../../apps/worker/src/maintenance/maintenance.scheduler';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { FakeVapi, callFromReport, type FakeCall } from '../helpers/fake-vapi';
import { deleteQueueKeys } from '../helpers/redis';
import { fixtureForCall } from '../helpers/synthetic-calls';

jest.setTimeout(90_000);

const API_KEY = 'vapi-private-key-sweep-0c4d11e2';
const SETTLE_S = 30;

describe(CallSweepService.name, () => {
  let vapi: FakeVapi;
  let config: AppConfig;
  let db: TestDatabase;
  let app: INestApplicationContext;
  let events: Queue;
  let dir: string;

  beforeAll(async () => {
    vapi = await new FakeVapi(API_KEY).listen();
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-sweep-'));
    config = testConfig({
      VAPI_API_KEY: API_KEY,
      VAPI_API_URL: vapi.url,
      // Each test runs the sweep itself, at a time of its choosing.
      RECONCILE_SWEEP_INTERVAL_SECONDS: '0',
      RECONCILE_SETTLE_SECONDS: String(SETTLE_S),
      RECORDINGS_DIR: dir,
      WORKER_BACKOFF_MS: '20',
    });
    db = await createTestDatabase(config);
    app = await startWorker();
    events = new Queue(QueueName.CallEvents, {
      connection: producerConnection(config),
      prefix: config.redis.prefix,
    });
  });

  afterAll(async () => {
    await app?.close();
    await events?.close();
    if (db) await deleteQueueKeys(config.redis.url, config.redis.prefix);
    await db?.drop();
    await vapi?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    vapi.calls.clear();
    vapi.requests.length = 0;
    await db.dataSource.query('DELETE FROM reconcile_watermarks');
  });

  async function startWorker(): Promise<INestApplicationContext> {
    const context = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    await context.get(MaintenanceScheduler).whenRegistered();
    return context;
  }

  const sweep = (options: { now?: Date; pageSize?: number } = {}) =>
    app.get(CallSweepService).sweep(options);

  /** A fixture body for `callId` with recordings served by the fake. */
  function body(name: string, callId: string): Record<string, unknown> {
    const text = JSON.stringify(fixtureForCall(name, callId));
    return JSON.parse(
      text.split('https://storage.vapi.ai/').join(`${vapi.url}/storage/`),
    ) as Record<string, unknown>;
  }

  /** The Call VAPI holds for an ended call, last changed at `updatedAt`. */
  function endedCall(callId: string, updatedAt: Date): FakeCall {
    return {
      ...callFromReport(body('end-of-call-report.json', callId)),
      updatedAt: updatedAt.toISOString(),
    };
  }

  async function post(payload: Record<string, unknown>): Promise<void> {
    const event = normalizeWebhook(payload);
    const job = callEventJob(redactPayload(payload), event.dedupKey, new Date());
    await events.add(job.name, job.data, job.opts);
  }

  async function drain(): Promise<void> {
    const queues = [QueueName.CallEvents, QueueName.Transcripts, QueueName.Recordings].map(
      (name) =>
        new Queue(name, { connection: producerConnection(config), prefix: config.redis.prefix }),
    );
    try {
      const deadline = Date.now() + 30_000;
      let empty = 0;
      while (empty < 2) {
        if (Date.now() > deadline) throw new Error('queues did not drain');
        const pending = await Promise.all(
          queues.map(async (q) => {
            const c = await q.getJobCounts('waiting', 'active', 'delayed');
            return c.waiting + c.active + c.delayed;
          }),
        );
        empty = pending.every((n) => n === 0) ? empty + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  }

  async function callRow(callId: string): Promise<Record<string, unknown> | undefined> {
    const [row] = await db.dataSource.query<Record<string, unknown>[]>(
      'SELECT * FROM calls WHERE id = $1',
      [callId],
    );
    return row;
  }

  async function watermark(): Promise<string | undefined> {
    const [row] = await db.dataSource.query<{ watermark: Date }[]>(
      'SELECT watermark FROM reconcile_watermarks WHERE key = $1',
      [CALLS_WATERMARK_KEY],
    );
    return row?.watermark.toISOString();
  }

  const ago = (now: Date, seconds: number): Date => new Date(now.getTime() - seconds * 1000);

  it('repairs a call whose report was missed: in progress here, ended at VAPI', async () => {
    const callId = 'sweep-missed';
    await post(body('status-update-ringing.json', callId));
    await post(body('status-update-in-progress.json', callId));
    await drain();
    expect(await callRow(callId)).toMatchObject({ status: 'in-progress', summary: null });
    const now = new Date();
    vapi.putCall(endedCall(callId, ago(now, 90)));

    const report = await sweep({ now });

    expect(report).toMatchObject({
      from: null,
      to: ago(now, SETTLE_S).toISOString(),
      listed: 1,
      reportsEnqueued: [callId],
      created: [],
      caughtUp: true,
    });
    expect(vapi.requests[0]).toMatchObject({
      method: 'GET',
      path: '/call',
      authorization: `Bearer ${API_KEY}`,
      query: {
        updatedAtGt: ago(now, SETTLE_S + 3600).toISOString(),
        updatedAtLe: ago(now, SETTLE_S).toISOString(),
        limit: '100',
      },
    });
    await drain();
    const row = await callRow(callId);
    expect(row).toMatchObject({
      status: 'ended',
      ended_reason: 'customer-ended-call',
      cost: '0.097100',
      transcript_source: 'report',
    });
    expect(row?.summary).toMatch(/^Dana Whitfield called/);
    expect(await watermark()).toBe(ago(now, SETTLE_S).toISOString());

    // The next sweep starts at the watermark and finds nothing more to do.
    vapi.requests.length = 0;
    const later = new Date(now.getTime() + 60_000);
    const again = await sweep({ now: later });
    expect(vapi.requests[0].query.updatedAtGt).toBe(ago(now, SETTLE_S).toISOString());
    expect(again).toMatchObject({ listed: 0, reportsEnqueued: [], created: [] });
  });

  it('creates calls it has never seen: an ended one from its report, a live one from its status', async () => {
    const ended = 'sweep-unseen-ended';
    const live = 'sweep-unseen-live';
    const now = new Date();
    vapi.putCall(endedCall(ended, ago(now, 120)));
    const liveCall = {
      ...(body('status-update-in-progress.json', live).message as { call: FakeCall }).call,
      status: 'in-progress',
      updatedAt: ago(now, 100).toISOString(),
    };
    vapi.putCall(liveCall);

    const report = await sweep({ now });

    expect(report.reportsEnqueued).toEqual([ended]);
    expect([...report.created].sort()).toEqual([ended, live].sort());
    await drain();
    expect(await callRow(ended)).toMatchObject({ status: 'ended', transcript_source: 'report' });
    expect(await callRow(live)).toMatchObject({ status: 'in-progress' });
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM call_events WHERE call_id = $1 AND kind = 'end-of-call-report'`,
      [ended],
    );
    expect(n).toBe(1);
  });

  it('leaves reported calls alone and waits for the settle time before acting on a fresh change', async () => {
    const reported = 'sweep-reported';
    const fresh = 'sweep-fresh';
    await post(body('status-update-in-progress.json', reported));
    await post(body('end-of-call-report.json', reported));
    await post(body('status-update-in-progress.json', fresh));
    await drain();
    const before = await callRow(reported);
    const now = new Date();
    vapi.putCall(endedCall(reported, ago(now, 200)));
    // Changed 5 s ago: its report may be on its way.
    vapi.putCall(endedCall(fresh, ago(now, 5)));

    const first = await sweep({ now });
    expect(first).toMatchObject({ listed: 1, reportsEnqueued: [], created: [] });
    await drain();
    expect(await callRow(reported)).toEqual(before);
    expect(await callRow(fresh)).toMatchObject({ status: 'in-progress' });

    const second = await sweep({ now: new Date(now.getTime() + 60_000) });
    expect(second.reportsEnqueued).toEqual([fresh]);
    await drain();
    expect(await callRow(fresh)).toMatchObject({ status: 'ended' });
  });

  it('records only the end of a call VAPI has not post-processed yet, and its report once it has', async () => {
    const callId = 'sweep-unprocessed';
    await post(body('status-update-in-progress.json', callId));
    await drain();
    const now = new Date();
    const ended = (body('status-update-ended.json', callId).message as { call: FakeCall }).call;
    vapi.putCall({ ...ended, updatedAt: ago(now, 60).toISOString() });

    const first = await sweep({ now });

    expect(first).toMatchObject({ reportsEnqueued: [], endsEnqueued: [callId], created: [] });
    await drain();
    expect(await callRow(callId)).toMatchObject({ status: 'ended', summary: null });
    const reports = `SELECT count(*)::int AS n FROM call_events WHERE call_id = $1 AND kind = 'end-of-call-report'`;
    expect(await db.dataSource.query(reports, [callId])).toEqual([{ n: 0 }]);

    // Post-processing done (the call changes again); the report never came.
    const later = new Date(now.getTime() + 60_000);
    vapi.putCall(endedCall(callId, ago(later, 45)));
    const second = await sweep({ now: later });
    expect(second).toMatchObject({ reportsEnqueued: [callId], endsEnqueued: [] });
    await drain();
    expect((await callRow(callId))?.summary).toMatch(/^Dana Whitfield called/);
  });

  it('resumes from the stored watermark after a restart', async () => {
    const now = new Date();
    await sweep({ now });
    const stored = await watermark();
    expect(stored).toBe(ago(now, SETTLE_S).toISOString());

    await app.close();
    app = await startWorker();
    const callId = 'sweep-after-restart';
    const later = new Date(now.getTime() + 120_000);
    vapi.putCall(endedCall(callId, ago(later, 60)));
    vapi.requests.length = 0;

    const report = await sweep({ now: later });

    expect(vapi.requests[0].query.updatedAtGt).toBe(stored);
    expect(report).toMatchObject({ from: stored, reportsEnqueued: [callId] });
    expect(await watermark()).toBe(ago(later, SETTLE_S).toISOString());
    await drain();
    expect(await callRow(callId)).toMatchObject({ status: 'ended' });
  });

  it('pages a window fuller than a page, many calls sharing one updatedAt, each call once', async () => {
    const now = new Date();
    const same = ago(now, 300);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = `sweep-tie-${String(i).padStart(2, '0')}`;
      ids.push(id);
      vapi.putCall({ ...endedCall(id, same), createdAt: ago(now, 1000 - i).toISOString() });
    }
    for (let i = 0; i < 11; i++) {
      const id = `sweep-spread-${String(i).padStart(2, '0')}`;
      ids.push(id);
      vapi.putCall({
        ...endedCall(id, ago(now, 600 - i * 40)),
        createdAt: ago(now, 2000 - i).toISOString(),
      });
    }

    const report = await sweep({ now, pageSize: 5 });

    expect([...report.reportsEnqueued].sort()).toEqual([...ids].sort());
    expect(report.listed).toBe(ids.length);
    expect(report.caughtUp).toBe(true);
    // The one millisecond holding 12 calls was read whole, at VAPI's largest page.
    expect(vapi.requests).toContainEqual(
      expect.objectContaining({
        query: { updatedAtGe: same.toISOString(), updatedAtLe: same.toISOString(), limit: '1000' },
      }),
    );
    await drain();
    const rows = await db.dataSource.query<{ id: string; status: string }[]>(
      `SELECT id, status FROM calls WHERE id LIKE 'sweep-tie-%' OR id LIKE 'sweep-spread-%'`,
    );
    expect(rows).toHaveLength(ids.length);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['ended']));
  });

  it('waits out a 429 mid-sweep, and keeps its place when VAPI fails', async () => {
    const now = new Date();
    const callId = 'sweep-rate-limited';
    vapi.putCall(endedCall(callId, ago(now, 90)));
    vapi.fail({ path: /^\/call$/, status: 429, headers: { 'retry-after': '1' } });
    const report = await sweep({ now });
    expect(report.reportsEnqueued).toEqual([callId]);
    expect(vapi.requests.filter((r) => r.path === '/call')).toHaveLength(2);

    const mark = await watermark();
    vapi.fail({ path: /^\/call$/, status: 500, times: 4 });
    await expect(sweep({ now: new Date(now.getTime() + 60_000) })).rejects.toThrow(
      /^GET calls: VAPI failed \(500\)/,
    );
    expect(await watermark()).toBe(mark);
  });
});
