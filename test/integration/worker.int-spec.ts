import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { QueueName, defaultJobOptions, jobIds, producerConnection, callEventJob } from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { CallEventsProcessor } from '../../apps/worker/src/call-events/call-events.processor';
import { RecordingsProcessor } from '../../apps/worker/src/recordings/recordings.processor';
import { TranscriptsProcessor } from '../../apps/worker/src/transcripts/transcripts.processor';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';

jest.setTimeout(60_000);

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('worker application', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let server: Server;
  let baseUrl: string;
  let dir: string;
  let callEvents: Queue;
  let recordingsQueue: Queue;
  let transcriptsQueue: Queue;
  let monoRequests = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      // The mono recording fails once, so the download is retried by BullMQ.
      if (req.url?.endsWith('-mono.wav') && ++monoRequests === 1) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.from(`audio of ${req.url}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-worker-'));

    const config = testConfig({
      RECORDINGS_DIR: dir,
      RECORDINGS_ATTEMPTS: '3',
      RECORDINGS_BACKOFF_MS: '20',
      WORKER_BACKOFF_MS: '20',
      WORKER_EVENTS_CONCURRENCY: '3',
      WORKER_TRANSCRIPTS_CONCURRENCY: '2',
      WORKER_RECORDINGS_CONCURRENCY: '5',
    });
    db = await createTestDatabase(config);
    app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    const queue = (name: QueueName) =>
      new Queue(name, {
        connection: producerConnection(config),
        prefix: config.redis.prefix,
        defaultJobOptions: defaultJobOptions(name, config),
      });
    callEvents = queue(QueueName.CallEvents);
    recordingsQueue = queue(QueueName.Recordings);
    transcriptsQueue = queue(QueueName.Transcripts);
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([callEvents, recordingsQueue, transcriptsQueue].map((q) => q?.close()));
    if (db) await deleteQueueKeys(db.config.redis.url, db.config.redis.prefix);
    await db?.drop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Enqueues a fixture exactly as the api does. */
  async function post(name: string): Promise<void> {
    const body: unknown = JSON.parse(
      fixtureBytes(name).toString('utf8').split('https://storage.vapi.ai/').join(baseUrl),
    );
    const event = normalizeWebhook(body);
    const job = callEventJob(redactPayload(body), event.dedupKey, new Date());
    await callEvents.add(job.name, job.data, job.opts);
  }

  it('takes each queue’s concurrency from the config', () => {
    expect(app.get(CallEventsProcessor).worker.concurrency).toBe(3);
    expect(app.get(TranscriptsProcessor).worker.concurrency).toBe(2);
    expect(app.get(RecordingsProcessor).worker.concurrency).toBe(5);
  });

  it('processes a call end to end: events, transcript job, recordings with retries', async () => {
    for (const name of [
      'end-of-call-report.json',
      'status-update-in-progress.json',
      'transcript-final.json',
      'status-update-ended.json',
      'conversation-update.json',
      'status-update-ringing.json',
    ]) {
      await post(name);
    }

    const recordings = await waitFor(async () => {
      const rows: Array<{ kind: string; state: string; attempts: number }> =
        await db.dataSource.query(
          `SELECT kind, state, attempts FROM recordings WHERE call_id = $1 ORDER BY kind`,
          [FIXTURE_CALL_ID],
        );
      return rows.length === 4 && rows.every((r) => r.state === 'stored') ? rows : undefined;
    });
    expect(recordings).toEqual([
      { kind: 'assistant', state: 'stored', attempts: 1 },
      { kind: 'customer', state: 'stored', attempts: 1 },
      { kind: 'mono', state: 'stored', attempts: 2 },
      { kind: 'stereo', state: 'stored', attempts: 1 },
    ]);

    const transcriptJob = await transcriptsQueue.getJob(
      jobIds.transcript(
        FIXTURE_CALL_ID,
        normalizeWebhook(JSON.parse(fixtureBytes('end-of-call-report.json').toString())).dedupKey,
      ),
    );
    expect(
      await waitFor(async () => ((await transcriptJob?.isCompleted()) ? true : undefined)),
    ).toBe(true);
    expect(transcriptJob?.opts).toMatchObject({
      attempts: db.config.worker.attempts,
      backoff: { type: 'exponential', delay: 20 },
      removeOnFail: false,
    });
    const monoJob = await recordingsQueue.getJob(jobIds.recording(FIXTURE_CALL_ID, 'mono'));
    expect(monoJob?.opts).toMatchObject({
      attempts: 3,
      backoff: { type: 'exponential', delay: 20 },
    });

    const [call] = await db.dataSource.query(
      `SELECT status, outcome, transcript_source, (transcript_stats->>'turns')::int AS turns
         FROM calls WHERE id = $1`,
      [FIXTURE_CALL_ID],
    );
    expect(call).toEqual({
      status: 'ended',
      outcome: 'completed',
      transcript_source: 'report',
      turns: 11,
    });
    const [{ count }] = await db.dataSource.query(
      `SELECT count(*)::int AS count FROM call_events WHERE call_id = $1`,
      [FIXTURE_CALL_ID],
    );
    expect(count).toBe(6);
  });

  it('fails an unknown job at once and keeps it visible', async () => {
    const job = await callEvents.add('not-a-job', {});
    const failed = await waitFor(async () => ((await job.isFailed()) ? true : undefined));
    expect(failed).toBe(true);
    const stored = await callEvents.getJob(job.id!);
    expect(stored?.attemptsMade).toBe(1);
    expect(stored?.failedReason).toMatch(/unknown job name/);
  });
});
