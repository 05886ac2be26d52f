import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, UnrecoverableError } from 'bullmq';
import {
  CallChangesRepository,
  CallEventsRepository,
  CallsRepository,
  RecordingsRepository,
  TranscriptSegmentsRepository,
} from '@app/database';
import {
  JobName,
  QueueName,
  callEventJob,
  defaultJobOptions,
  jobIds,
  producerConnection,
  workerConnection,
  type JobOf,
} from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import {
  CallEventsService,
  type ApplyOutcome,
} from '../../apps/worker/src/call-events/call-events.service';
import { CallsService } from '../../apps/worker/src/calls/calls.service';
import { TranscriptsService } from '../../apps/worker/src/transcripts/transcripts.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { createTestDatabase, truncateAll, type TestDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, fixture } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';
import {
  fixtureForCall,
  seededRandom,
  shuffle,
  shuffledWithDuplicates,
  syntheticCalls,
} from '../helpers/synthetic-calls';
import { plantPoison } from '../helpers/poison';

jest.setTimeout(120_000);

type Delivery = JobOf<JobName.ApplyCallEvent>;

const deliveryOf = (body: unknown): Delivery =>
  callEventJob(redactPayload(body), normalizeWebhook(body).dedupKey, new Date()).data;

/** Splits `items` into consecutive batches of 1 to `max` items. */
function batchesOf<T>(items: readonly T[], max: number, random: () => number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length;) {
    const size = 1 + Math.floor(random() * max);
    out.push(items.slice(i, i + size));
    i += size;
  }
  return out;
}

/** A report that normalises and then fails in Postgres (see `installPoison`). */
function poisonReport(callId: string): Record<string, unknown> {
  return fixtureForCall('end-of-call-report.json', callId);
}

/** The conversation-update fixture cut to its first `turns` messages, `turns` seconds later. */
function conversationAt(callId: string, turns: number): Record<string, unknown> {
  const body = fixtureForCall('conversation-update.json', callId);
  const message = body.message as {
    timestamp: number;
    messages: unknown[];
    messagesOpenAIFormatted: unknown[];
    artifact: { messages: unknown[]; messagesOpenAIFormatted: unknown[] };
  };
  message.timestamp += turns * 1000;
  message.messages = message.messages.slice(0, turns);
  message.messagesOpenAIFormatted = message.messagesOpenAIFormatted.slice(0, turns);
  message.artifact.messages = message.artifact.messages.slice(0, turns);
  message.artifact.messagesOpenAIFormatted = message.artifact.messagesOpenAIFormatted.slice(
    0,
    turns,
  );
  return body;
}

describe('CallEventsService batches', () => {
  let db: TestDatabase;
  let transcriptQueue: Queue;
  let recordingQueue: Queue;
  let service: CallEventsService;
  let transcripts: TranscriptsService;
  let calls: CallsRepository;
  let events: CallEventsRepository;
  let segments: TranscriptSegmentsRepository;
  let recordings: RecordingsRepository;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    const { dataSource, config } = db;
    await plantPoison(dataSource);
    const queueOptions = { connection: workerConnection(config), prefix: config.redis.prefix };
    transcriptQueue = new Queue(QueueName.Transcripts, queueOptions);
    recordingQueue = new Queue(QueueName.Recordings, queueOptions);
    calls = new CallsRepository(dataSource);
    events = new CallEventsRepository(dataSource);
    segments = new TranscriptSegmentsRepository(dataSource);
    recordings = new RecordingsRepository(dataSource);
    const changes = new CallChangesRepository(dataSource);
    const callsService = new CallsService(calls, segments, recordings);
    transcripts = new TranscriptsService(dataSource, callsService, events, changes);
    service = new CallEventsService(
      dataSource,
      events,
      changes,
      callsService,
      transcriptQueue,
      recordingQueue,
    );
  });

  afterEach(async () => {
    await truncateAll(db.dataSource);
    await transcriptQueue.obliterate({ force: true });
    await recordingQueue.obliterate({ force: true });
  });

  afterAll(async () => {
    await transcriptQueue?.close();
    await recordingQueue?.close();
    if (db) await deleteQueueKeys(db.config.redis.url, db.config.redis.prefix);
    await db?.drop();
  });

  async function drainTranscriptJobs(): Promise<void> {
    for (const job of await transcriptQueue.getJobs(['waiting', 'prioritized', 'delayed'])) {
      await transcripts.processCall((job.data as JobOf<JobName.ProcessTranscript>).callId);
    }
  }

  /** Every row about some calls, minus bookkeeping times (the same shape the drills compare). */
  async function snapshot(callIds: readonly string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const id of callIds) {
      const row = await calls.findById(id);
      if (row === null) {
        out[id] = null;
        continue;
      }
      const { firstSeenAt: _f, updatedAt: _u, ...call } = row;
      out[id] = {
        call,
        segments: await segments.listByCall(id),
        recordings: (await recordings.listByCall(id)).map((r) => [r.kind, r.sourceUrl, r.state]),
        events: (await events.listByCall(id)).map((e) => e.dedupKey).sort(),
      };
    }
    return out;
  }

  function expectAllOk(outcomes: readonly ApplyOutcome[]): void {
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  }

  it('folds batches of many calls to the same rows as one-by-one delivery, in any order and with duplicates', async () => {
    const random = seededRandom(90210);
    const synthetic = syntheticCalls(12, random);
    const ids = synthetic.map((c) => c.callId);
    const inOrder = synthetic.flatMap((c) => c.bodies.map(deliveryOf));
    for (const delivery of inOrder) await service.apply(delivery);
    await drainTranscriptJobs();
    const reference = await snapshot(ids);
    expect(Object.values(reference).filter((c) => c !== null).length).toBeGreaterThan(8);

    for (const maxBatch of [200, 37, 5]) {
      await truncateAll(db.dataSource);
      await transcriptQueue.obliterate({ force: true });
      const delivered = shuffledWithDuplicates(inOrder, random);
      const batches = batchesOf(delivered, maxBatch, random);
      expect(batches.length).toBeLessThan(delivered.length);
      for (const batch of batches) expectAllOk(await service.applyMany(batch));
      await drainTranscriptJobs();
      expect(await snapshot(ids)).toEqual(reference);
    }
  });

  it('lets a poison event fail alone, with its reason, while its 50 neighbours commit', async () => {
    const random = seededRandom(7);
    const good = shuffle(
      syntheticCalls(6, random).flatMap((c) => c.bodies.map(deliveryOf)),
      random,
    ).slice(0, 50);
    expect(good).toHaveLength(50);
    const poison = deliveryOf(poisonReport('call-poison'));
    const batch = [...good.slice(0, 25), poison, ...good.slice(25)];

    const outcomes = await service.applyMany(batch);

    const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [{ i, error: o.error }]));
    expect(failed.map((f) => f.i)).toEqual([25]);
    expect(failed[0].error).toBeInstanceOf(UnrecoverableError);
    expect(failed[0].error.message).toMatch(/numeric field overflow.*22003/);
    const logged = await db.dataSource.query<{ dedup_key: string }[]>(
      'SELECT dedup_key FROM call_events',
    );
    expect(new Set(logged.map((r) => r.dedup_key))).toEqual(new Set(good.map((d) => d.dedupKey)));
    const poisonRows = await db.dataSource.query<unknown[]>(
      `SELECT id FROM calls WHERE id LIKE '%call-poison'`,
    );
    expect(poisonRows).toEqual([]);
    expect(await calls.findById(normalizeWebhook(good[0].payload).callId ?? '')).not.toBeNull();
  });

  it('appends the new turns of a growing conversation and leaves the stored ones untouched', async () => {
    const callId = 'call-growing';
    /** Each stored segment's seq and the transaction that wrote it. */
    const written = async (): Promise<Array<{ seq: number; xmin: string }>> =>
      db.dataSource.query(
        'SELECT seq, xmin::text AS xmin FROM transcript_segments WHERE call_id = $1 ORDER BY seq',
        [callId],
      );

    await service.apply(deliveryOf(conversationAt(callId, 3)));
    const first = await written();
    expect(first.length).toBeGreaterThan(0);
    // Grown by two turns, with the older update redelivered in the same batch.
    expectAllOk(
      await service.applyMany([
        deliveryOf(conversationAt(callId, 5)),
        deliveryOf(conversationAt(callId, 3)),
      ]),
    );
    const grown = await written();
    expect(grown.length).toBeGreaterThan(first.length);
    expect(grown.slice(0, first.length)).toEqual(first);
    expect(new Set(grown.slice(first.length).map((r) => r.xmin)).size).toBe(1);
    expect(grown[first.length].xmin).not.toBe(first[0].xmin);
    const [head] = await db.dataSource.query<{ transcript_count: number }[]>(
      'SELECT transcript_count FROM calls WHERE id = $1',
      [callId],
    );
    expect(head.transcript_count).toBe(grown.length);

    // A late, shorter update changes nothing at all.
    await service.apply(deliveryOf(conversationAt(callId, 4)));
    expect(await written()).toEqual(grown);

    // A later update whose history differs from what is stored is written whole.
    const edited = conversationAt(callId, 5);
    const message = edited.message as { timestamp: number; messages: Array<{ message: string }> };
    message.timestamp += 60_000;
    message.messages[1].message = 'Thanks for calling, this is Riley again.';
    await service.apply(deliveryOf(edited));
    const rewritten = await written();
    expect(rewritten).toHaveLength(grown.length);
    expect(new Set(rewritten.map((r) => r.xmin)).size).toBe(1);
    expect(rewritten[0].xmin).not.toBe(grown[0].xmin);
    const stored = await segments.listByCall(callId);
    expect(stored.map((s) => s.text)).toContain('Thanks for calling, this is Riley again.');
  });

  it('enqueues each follow-up once, however often a batch carries or re-applies its events', async () => {
    const report = deliveryOf(fixture('end-of-call-report.json'));
    const recordingReady = deliveryOf(fixture('seed-recording-ready.json'));
    const batch = [report, recordingReady, report, report];
    expectAllOk(await service.applyMany(batch));
    // A crash between commit and acknowledgement: the same batch again.
    expectAllOk(await service.applyMany(batch));

    const transcriptJobs = await transcriptQueue.getJobs(['waiting']);
    expect(transcriptJobs.map((j) => j.id)).toEqual([
      jobIds.transcript(FIXTURE_CALL_ID, report.dedupKey),
    ]);
    const recordingJobs = await recordingQueue.getJobs(['waiting']);
    expect(recordingJobs.map((j) => j.id).sort()).toEqual(
      ['assistant', 'customer', 'mono', 'stereo'].map((k) => jobIds.recording(FIXTURE_CALL_ID, k)),
    );
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM call_events',
    );
    expect(n).toBe(2);
  });

  it('lets concurrent batches over the same calls commit without deadlocks, to in-order rows', async () => {
    const random = seededRandom(31337);
    const synthetic = syntheticCalls(10, random);
    const ids = synthetic.map((c) => c.callId);
    const inOrder = synthetic.flatMap((c) => c.bodies.map(deliveryOf));
    for (const delivery of inOrder) await service.apply(delivery);
    await drainTranscriptJobs();
    const reference = await snapshot(ids);
    expect(Object.values(reference).filter((c) => c !== null).length).toBeGreaterThan(6);
    await truncateAll(db.dataSource);
    await transcriptQueue.obliterate({ force: true });

    const deadlocks = async (): Promise<number> => {
      await db.dataSource.query('SELECT pg_stat_clear_snapshot()');
      const [row] = await db.dataSource.query<{ deadlocks: string }[]>(
        'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
      );
      return Number(row.deadlocks);
    };
    const before = await deadlocks();
    // Two "workers", each with every event in its own order, in batches, all at once.
    const lanes = [1, 2].map(() => batchesOf(shuffle(inOrder, random), 40, random));
    const outcomes = await Promise.all(
      lanes.map(async (lane) => {
        const all: ApplyOutcome[] = [];
        for (const batch of lane) all.push(...(await service.applyMany(batch)));
        return all;
      }),
    );
    for (const lane of outcomes) expectAllOk(lane);
    await drainTranscriptJobs();
    expect(await snapshot(ids)).toEqual(reference);
    // Statistics are flushed at transaction end, at most once a second.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await deadlocks()).toBe(before);
  });
});

describe('call-events worker batches', () => {
  let db: TestDatabase;
  let app: INestApplicationContext | undefined;
  let callEvents: Queue;

  beforeAll(async () => {
    const config = testConfig({
      WORKER_EVENTS_CONCURRENCY: '200',
      WORKER_EVENTS_BATCH_SIZE: '100',
      WORKER_EVENTS_BATCH_MS: '50',
      WORKER_BACKOFF_MS: '20',
    });
    db = await createTestDatabase(config);
    await plantPoison(db.dataSource);
    callEvents = new Queue(QueueName.CallEvents, {
      connection: producerConnection(config),
      prefix: config.redis.prefix,
      defaultJobOptions: defaultJobOptions(QueueName.CallEvents, config),
    });
  });

  afterAll(async () => {
    await app?.close();
    await callEvents?.close();
    if (db) await deleteQueueKeys(db.config.redis.url, db.config.redis.prefix);
    await db?.drop();
  });

  it('fails the poison job alone and visibly, after one attempt, and completes the other 50', async () => {
    const random = seededRandom(4242);
    const bodies = shuffle(
      syntheticCalls(10, random).flatMap((c) => c.bodies),
      random,
    );
    const unique = new Map(bodies.map((b) => [normalizeWebhook(b).dedupKey, b]));
    const good = [...unique.values()].slice(0, 50);
    expect(good).toHaveLength(50);
    const jobs = [...good.slice(0, 20), poisonReport('call-poison'), ...good.slice(20)].map((b) =>
      callEventJob(redactPayload(b), normalizeWebhook(b).dedupKey, new Date()),
    );
    // Queued before the worker starts, so they are fetched together into the same batches.
    await callEvents.addBulk(jobs);
    app = await NestFactory.createApplicationContext(WorkerModule.forRoot(db.config), {
      logger: false,
    });

    const deadline = Date.now() + 60_000;
    let counts = await callEvents.getJobCounts('completed', 'failed');
    while (counts.completed + counts.failed < jobs.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      counts = await callEvents.getJobCounts('completed', 'failed');
    }
    expect(counts).toEqual({ completed: 50, failed: 1 });
    const [failed] = await callEvents.getFailed();
    expect(failed.id).toBe(jobs[20].opts.jobId);
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/numeric field overflow/);
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM call_events',
    );
    expect(n).toBe(50);
  });
});
