import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { createServer, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import { AppConfig } from '@app/config';
import { runMigrations, withMaintenanceConnection, quoteIdentifier } from '@app/database';
import { QueueName, openQueue } from '@app/queue';
import { createApiApp } from '../../apps/api/src/app.factory';
import type { CallDetailView } from '../../apps/api/src/calls/call.view';
import { CallEventsProcessor } from '../../apps/worker/src/call-events/call-events.processor';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';

/**
 * The whole path a user relies on: POST fixtures to the api, let a real worker process them
 * into Postgres, read the call back through the read API.
 */

const VAPI_STORAGE = 'https://storage.vapi.ai/';
const SEED_CALL_ID = 'seed0000-1d2e-4f3a-8b9c-0d1e2f3a4b5c';

/** A recording file host: each path serves fixed bytes; some paths fail a number of times first. */
class RecordingHost {
  readonly server: Server;
  readonly failuresLeft = new Map<string, number>();
  readonly hits = new Map<string, number>();
  constructor() {
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      const failures = this.failuresLeft.get(path) ?? 0;
      if (failures > 0) {
        this.failuresLeft.set(path, failures - 1);
        res.writeHead(503).end('try later');
        return;
      }
      if (path.includes('always-broken')) {
        res.writeHead(500).end('broken');
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(RecordingHost.bytesFor(path));
    });
  }
  static bytesFor(path: string): Buffer {
    return Buffer.from(`RIFF-fake-wav-for-${path}-`.repeat(500));
  }
  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// Generous: the same file also runs with the queues on PostgreSQL (QUEUE_BACKEND=postgres), on a
// machine that may be busy.
jest.setTimeout(120_000);

describe('call pipeline: api → queue → worker → Postgres → read API', () => {
  let config: AppConfig;
  let api: NestFastifyApplication;
  let worker: INestApplicationContext;
  // A second worker on the same Redis and Postgres: scale-out must not change any result.
  let secondWorker: INestApplicationContext;
  let host: RecordingHost;
  let hostUrl: string;
  let recordingsDir: string;
  let queues: Queue[];

  /** A fixture's bytes with its call id and recording host rewritten. */
  const body = (name: string, callId = FIXTURE_CALL_ID): string =>
    fixtureBytes(name)
      .toString('utf8')
      .split(FIXTURE_CALL_ID)
      .join(callId)
      .split(VAPI_STORAGE)
      .join(hostUrl);

  const post = async (payload: string): Promise<number> => {
    const res = await api.inject({
      method: 'POST',
      url: '/api/webhook/vapi',
      payload,
      headers: { 'content-type': 'application/json' },
    });
    return res.statusCode;
  };

  const getCall = async (id: string) => {
    const res = await api.inject({ method: 'GET', url: `/api/calls/${id}` });
    return { status: res.statusCode, body: res.json<CallDetailView>() };
  };

  /** Waits until no queue has waiting, delayed or active jobs. */
  const drain = async (timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await Promise.all(
        queues.map((q) => q.getJobCounts('waiting', 'delayed', 'active', 'prioritized')),
      );
      const pending = counts.reduce(
        (sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0),
        0,
      );
      if (pending === 0) return;
      if (Date.now() > deadline) throw new Error(`queues not drained: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    host = new RecordingHost();
    hostUrl = await host.listen();
    recordingsDir = mkdtempSync(join(tmpdir(), 'vapi-hooks-recordings-'));
    config = testConfig({
      RECORDINGS_DIR: recordingsDir,
      RECORDINGS_BACKOFF_MS: '50',
      RECORDINGS_ATTEMPTS: '3',
      WORKER_BACKOFF_MS: '50',
    });
    await runMigrations(config);
    api = await createApiApp(config);
    await api.init();
    await api.getHttpAdapter().getInstance().ready();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    await worker.init();
    secondWorker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    await secondWorker.init();
    // The maintenance queue always holds its next scheduled run, so it never drains.
    queues = [QueueName.CallEvents, QueueName.Transcripts, QueueName.Recordings].map((name) =>
      openQueue(name, config),
    );
  });

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await secondWorker.close();
    await worker.close();
    await api.close();
    await host.close();
    rmSync(recordingsDir, { recursive: true, force: true });
    await deleteQueueKeys(config.redis.url, config.redis.prefix);
    await withMaintenanceConnection(config.database.url, (c, name) =>
      c.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
    );
  });

  const conversation = [
    'status-update-ringing.json',
    'status-update-in-progress.json',
    'speech-update.json',
    'transcript-partial.json',
    'transcript-final.json',
    'conversation-update.json',
    'tool-calls.json',
    'hang.json',
    'user-interrupted.json',
    'speech-update-stopped.json',
    'status-update-ended.json',
    'end-of-call-report.json',
  ];

  it('builds the full call record from the fixture conversation, recording stored', async () => {
    // The mono recording fails twice before the host serves it: retried with backoff.
    host.failuresLeft.set(
      '/c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c-1773327909425-9d4c2a71-5e3b-4f8a-b1c6-7e2d0f9a3b54-mono.wav',
      2,
    );
    for (const name of conversation) expect(await post(body(name))).toBe(200);
    await drain();

    const { status, body: call } = await getCall(FIXTURE_CALL_ID);
    expect(status).toBe(200);
    expect(call).toMatchObject({
      id: FIXTURE_CALL_ID,
      status: 'ended',
      outcome: 'completed',
      endedReason: 'customer-ended-call',
      startedAt: '2026-03-12T15:04:09.871Z',
      endedAt: '2026-03-12T15:05:07.214Z',
      durationSeconds: 57.343,
      assistantId: 'a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22',
      customerNumber: '+14155550123',
      transcriptSource: 'report',
    });
    expect(call.cost).toBeCloseTo(0.0971, 4);
    expect(call.summary).toEqual(expect.stringContaining('Dana'));
    expect(call.analysis.successEvaluation).toBe('true');
    expect(call.analysis.structuredData).toEqual(expect.any(Object));
    expect(call.recordingUrl).toMatch(/-mono\.wav$/);
    expect(call.stereoRecordingUrl).toMatch(/-stereo\.wav$/);

    expect(call.transcript.length).toBe(11);
    expect(new Set(call.transcript.map((t: { role: string }) => t.role))).toEqual(
      new Set(['assistant', 'user']),
    );
    expect(call.transcript[0]).toMatchObject({
      role: 'assistant',
      secondsFromStart: expect.any(Number),
    });
    expect(call.transcriptStats?.byRole.user.turns).toBeGreaterThan(0);
    expect(call.transcriptText).toMatch(/^AI: /);

    const kinds = call.events.map((e: { kind: string }) => e.kind);
    expect(kinds).toContain('end-of-call-report');
    expect(kinds).toContain('status-update');
    expect(call.events).toHaveLength(conversation.length);

    expect(call.recordings.length).toBeGreaterThanOrEqual(2);
    for (const recording of call.recordings) {
      expect(recording.state).toBe('stored');
      const path = new URL(recording.sourceUrl).pathname;
      const bytes = RecordingHost.bytesFor(path);
      expect(recording.byteSize).toBe(bytes.length);
      expect(recording.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(recording.contentType).toBe('audio/wav');
    }
    const mono = call.recordings.find((r: { kind: string }) => r.kind === 'mono');
    expect(mono?.attempts).toBe(3);
  });

  it('does not change the record when the whole conversation is delivered again', async () => {
    const before = (await getCall(FIXTURE_CALL_ID)).body;
    for (const name of [...conversation].reverse()) expect(await post(body(name))).toBe(200);
    await drain();
    const after = (await getCall(FIXTURE_CALL_ID)).body;
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
  });

  it('maps the legacy call.* format onto the same record', async () => {
    for (const name of [
      'seed-call-started.json',
      'seed-transcript-updated.json',
      'seed-call-ended.json',
      'seed-recording-ready.json',
    ]) {
      expect(await post(body(name, SEED_CALL_ID))).toBe(200);
    }
    await drain();
    const { body: call } = await getCall(SEED_CALL_ID);
    expect(call).toMatchObject({
      id: SEED_CALL_ID,
      status: 'ended',
      startedAt: '2026-03-12T15:04:09.871Z',
      endedAt: '2026-03-12T15:05:07.214Z',
      durationSeconds: 57,
      transcriptSource: 'report',
    });
    expect(call.cost).toBeCloseTo(0.0971, 4);
    expect(call.transcript.length).toBeGreaterThan(3);
    expect(call.recordings.find((r: { kind: string }) => r.kind === 'mono')?.state).toBe('stored');
  });

  it('ends a legacy call.failed with its reason and a failed outcome', async () => {
    // The fixture belongs to the unanswered outbound call of the protocol notes.
    const failedId = '5e9b1a7c-3d2f-4b8e-a6c1-9f0e2d4b6a83';
    expect(await post(body('seed-call-failed.json'))).toBe(200);
    await drain();
    const { body: call } = await getCall(failedId);
    expect(call).toMatchObject({ status: 'ended', endedReason: 'no-answer', failed: true });
    expect(['no-answer', 'error']).toContain(call.outcome);
  });

  it('marks a recording that keeps failing as failed, leaving no file behind', async () => {
    const brokenId = 'b20ce000-1d2e-4f3a-8b9c-0d1e2f3a4b5c';
    const payload = JSON.stringify({
      type: 'recording.ready',
      call: { id: brokenId, recordingUrl: `${hostUrl}always-broken.wav` },
    });
    expect(await post(payload)).toBe(200);
    await drain();
    const { body: call } = await getCall(brokenId);
    expect(call.recordings).toEqual([
      expect.objectContaining({ kind: 'mono', state: 'failed', attempts: 3, sha256: null }),
    ]);
    const files = readdirSync(recordingsDir).filter(
      (f) => f.startsWith(brokenId) || f.includes('.part'),
    );
    expect(files).toEqual([]);
  });

  it('gives the same final record whatever the order and number of deliveries, across two workers', async () => {
    const completedBy = [0, 0];
    [worker, secondWorker].forEach((context, i) =>
      context.get(CallEventsProcessor).worker.on('completed', () => (completedBy[i] += 1)),
    );
    const ids = Array.from({ length: 6 }, (_, i) => `0rde${i}000-1d2e-4f3a-8b9c-0d1e2f3a4b5c`);
    const inOrder = ids.slice(0, 3);
    const shuffled = ids.slice(3);
    for (const id of inOrder) for (const name of conversation) await post(body(name, id));
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const deliveries = shuffled.flatMap((id) =>
      conversation.flatMap((name) =>
        Array.from({ length: 1 + Math.floor(random() * 3) }, () => body(name, id)),
      ),
    );
    deliveries.sort(() => random() - 0.5);
    const codes = await Promise.all(deliveries.map((d) => post(d)));
    expect(codes.every((c) => c === 200)).toBe(true);
    await drain();

    const normalise = (call: CallDetailView) => ({
      ...call,
      id: null,
      recordingUrl: null,
      stereoRecordingUrl: null,
      updatedAt: null,
      createdAt: null,
      events: call.events.map((e) => ({ ...e, receivedAt: null })),
      recordings: call.recordings.map((r) => ({
        ...r,
        sourceUrl: null,
        sha256: null,
        byteSize: null,
        downloadedAt: null,
      })),
    });
    // Both workers took a share of the events.
    expect(completedBy[0]).toBeGreaterThan(0);
    expect(completedBy[1]).toBeGreaterThan(0);
    const reference = normalise((await getCall(inOrder[0])).body);
    for (const id of ids) {
      const { body: call } = await getCall(id);
      expect(normalise(call)).toEqual(reference);
    }
  });

  it('lists calls newest first with filters and pagination, and 404s unknown ids', async () => {
    const all = await api.inject({ method: 'GET', url: '/api/calls?limit=100' });
    expect(all.statusCode).toBe(200);
    const list = all.json<{ items: { id: string; status: string }[]; total: number }>();
    expect(list.total).toBe(list.items.length);
    expect(list.items.map((c) => c.id)).toContain(FIXTURE_CALL_ID);

    const ended = await api.inject({
      method: 'GET',
      url: '/api/calls?status=ended&outcome=completed&limit=2',
    });
    const page = ended.json<{ items: { status: string }[]; total: number; limit: number }>();
    expect(page.items).toHaveLength(2);
    expect(page.total).toBeGreaterThan(2);
    expect(page.items.every((c) => c.status === 'ended')).toBe(true);

    const byAssistant = await api.inject({
      method: 'GET',
      url: '/api/calls?assistantId=a7e3d1c5-2b8f-4c6a-9e0d-5f1b3c7a9d22&from=2026-03-12T00:00:00Z&to=2026-03-13T00:00:00Z',
    });
    expect(byAssistant.json<{ total: number }>().total).toBeGreaterThan(0);
    const future = await api.inject({ method: 'GET', url: '/api/calls?from=2030-01-01T00:00:00Z' });
    expect(future.json<{ total: number }>().total).toBe(0);

    expect((await api.inject({ method: 'GET', url: '/api/calls?status=bogus' })).statusCode).toBe(
      400,
    );
    expect((await api.inject({ method: 'GET', url: '/api/calls?limit=1000' })).statusCode).toBe(
      400,
    );
    expect((await getCall('no-such-call')).status).toBe(404);
  });
});
