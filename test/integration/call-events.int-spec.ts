import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  CALL_CHANGES_CHANNEL,
  Call,
  CallChangesRepository,
  CallEventsRepository,
  CallsRepository,
  RecordingsRepository,
  TranscriptSegmentsRepository,
} from '@app/database';
import { JobName, QueueName, callEventJob, jobIds, workerConnection, type JobOf } from '@app/queue';
import { normalizeWebhook, redactPayload, type CallEvent } from '@app/vapi';
import {
  CallEventsService,
  eventOfJob,
} from '../../apps/worker/src/call-events/call-events.service';
import { callStateFromRow } from '../../apps/worker/src/call-events/call-row';
import { mergeCallState, type CallState } from '../../apps/worker/src/call-events/call-state';
import {
  EMPTY_TRANSCRIPT,
  mergeTranscript,
  renderTranscriptText,
  type TranscriptState,
} from '../../apps/worker/src/transcripts/transcript-state';
import { CallsService } from '../../apps/worker/src/calls/calls.service';
import {
  TranscriptsService,
  transcriptFromRows,
} from '../../apps/worker/src/transcripts/transcripts.service';
import { createTestDatabase, truncateAll, type TestDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, fixture } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';
import {
  eventsOf,
  fixtureForCall,
  seededRandom,
  shuffle,
  shuffledWithDuplicates,
  syntheticCalls,
  type SyntheticCall,
} from '../helpers/synthetic-calls';

jest.setTimeout(60_000);

type Delivery = JobOf<JobName.ApplyCallEvent>;

const deliveryOf = (body: unknown): Delivery =>
  callEventJob(redactPayload(body), normalizeWebhook(body).dedupKey, new Date()).data;

describe(CallEventsService.name, () => {
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
    const queueOptions = { connection: workerConnection(config), prefix: config.redis.prefix };
    transcriptQueue = new Queue(QueueName.Transcripts, queueOptions);
    recordingQueue = new Queue(QueueName.Recordings, queueOptions);
    calls = new CallsRepository(dataSource);
    events = new CallEventsRepository(dataSource);
    segments = new TranscriptSegmentsRepository(dataSource);
    recordings = new RecordingsRepository(dataSource);
    const callsService = new CallsService(calls, segments, recordings);
    transcripts = new TranscriptsService(
      dataSource,
      callsService,
      events,
      new CallChangesRepository(dataSource),
    );
    service = new CallEventsService(
      dataSource,
      events,
      new CallChangesRepository(dataSource),
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

  /** Applies deliveries one by one; with `prompt`, runs a report's transcript job right away. */
  async function deliver(deliveries: readonly Delivery[], prompt: boolean): Promise<void> {
    for (const delivery of deliveries) {
      const result = await service.apply(delivery);
      const { callId } = eventOfJob(delivery);
      if (prompt && result.transcriptJobs > 0 && callId !== null) {
        await transcripts.processCall(callId);
      }
    }
  }

  /** Runs every transcript job waiting in the real queue, as the transcripts worker would. */
  async function drainTranscriptJobs(): Promise<number> {
    const jobs = await transcriptQueue.getJobs(['waiting', 'prioritized', 'delayed']);
    for (const job of jobs) {
      await transcripts.processCall((job.data as JobOf<JobName.ProcessTranscript>).callId);
    }
    return jobs.length;
  }

  /** Everything the database holds about some calls, minus bookkeeping times and serial ids. */
  async function snapshot(callIds: readonly string[]): Promise<unknown> {
    const out: Record<string, unknown> = {};
    for (const id of callIds) {
      const row = await calls.findById(id);
      const { firstSeenAt: _f, updatedAt: _u, ...call } = row ?? ({} as Call);
      out[id] = {
        call,
        segments: await segments.listByCall(id),
        recordings: (await recordings.listByCall(id)).map((r) => [r.kind, r.sourceUrl, r.state]),
        events: (await events.listByCall(id)).map((e) => e.dedupKey).sort(),
      };
    }
    return out;
  }

  /** What the pure merge says the call and its transcript must be after these events. */
  function expected(callEvents: readonly CallEvent[]): {
    call: CallState;
    transcript: TranscriptState;
  } {
    const call = callEvents.reduce<CallState | null>(mergeCallState, null)!;
    const transcript = callEvents.reduce(mergeTranscript, EMPTY_TRANSCRIPT);
    const text =
      call.fieldVersions.transcriptText === undefined
        ? renderTranscriptText(transcript.segments)
        : call.transcriptText;
    return { call: { ...call, transcriptText: text }, transcript };
  }

  async function stored(callId: string): Promise<{ call: CallState; transcript: TranscriptState }> {
    const row = (await calls.findById(callId))!;
    return {
      call: callStateFromRow(row),
      transcript: transcriptFromRows(row, await segments.listByCall(callId)),
    };
  }

  describe('order and duplicates', () => {
    const random = seededRandom(424242);
    const synthetic: SyntheticCall[] = syntheticCalls(8, random);
    const ids = synthetic.map((c) => c.callId);
    const inOrder = synthetic.flatMap((call) => call.bodies.map(deliveryOf));

    it('stores what the pure merge computes, in order', async () => {
      await deliver(inOrder, false);
      await drainTranscriptJobs();
      for (const call of synthetic) {
        expect(await stored(call.callId)).toEqual(expected(eventsOf(call)));
      }
    });

    it('gives identical rows and segments for shuffled, duplicated, interleaved delivery', async () => {
      await deliver(inOrder, false);
      expect(await drainTranscriptJobs()).toBeGreaterThan(0);
      const reference = await snapshot(ids);

      for (let trial = 0; trial < 3; trial++) {
        await truncateAll(db.dataSource);
        await transcriptQueue.obliterate({ force: true });
        await deliver(shuffledWithDuplicates(inOrder, random), trial % 2 === 0);
        await drainTranscriptJobs();
        expect(await snapshot(ids)).toEqual(reference);
      }
    });

    it('does not lose updates when deliveries for one call run concurrently', async () => {
      // Each event exactly once: a lost update could not be repaired by a later duplicate.
      for (const call of synthetic.filter((c) => c.bodies.length >= 10).slice(0, 3)) {
        await Promise.all(shuffle(call.bodies, random).map((b) => service.apply(deliveryOf(b))));
        await drainTranscriptJobs();
        expect(await stored(call.callId)).toEqual(expected(eventsOf(call)));
      }
    });
  });

  it('feeds each committed change once, with a notification on commit', async () => {
    const listener = db.dataSource.createQueryRunner();
    const notified: string[] = [];
    const client = (await listener.connect()) as {
      on(event: 'notification', cb: (n: { channel: string }) => void): void;
    };
    client.on('notification', (n) => notified.push(n.channel));
    await listener.query(`LISTEN ${CALL_CHANGES_CHANNEL}`);
    try {
      const names = ['status-update-ringing.json', 'conversation-update.json'];
      for (const name of names)
        await deliver([deliveryOf(fixtureForCall(name, 'call-feed'))], false);
      await deliver([deliveryOf(fixtureForCall(names[0], 'call-feed'))], false);
      const rows = await db.dataSource.query<{ kind: string; data: Record<string, unknown> }[]>(
        `SELECT kind, data FROM call_changes WHERE call_id = 'call-feed' ORDER BY id`,
      );
      expect(rows.map((r) => r.kind)).toEqual(['status', 'status', 'transcript']);
      expect(rows[0].data).toMatchObject({ status: 'ringing' });
      expect(rows[2].data).toMatchObject({ fromSeq: 0, replaced: false });
      await listener.query('SELECT 1');
      expect(notified.length).toBeGreaterThanOrEqual(2);
      expect(new Set(notified)).toEqual(new Set([CALL_CHANGES_CHANNEL]));
    } finally {
      await listener.release();
    }
  });

  it('commits a batch again when Postgres picked it as a deadlock victim, and gives up on other errors', async () => {
    // Deadlocks between concurrent applies are rare and timing-bound; the first commit is made
    // to fail as Postgres fails a victim (its transaction rolled back), the rest run for real.
    const commit = jest.spyOn(service as unknown as { commit: () => Promise<unknown> }, 'commit');
    const victim = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    commit.mockRejectedValueOnce(victim);
    const result = await service.apply(deliveryOf(fixture('end-of-call-report.json')));
    expect(result.logged).toBe(true);
    expect(commit).toHaveBeenCalledTimes(2);
    expect(await snapshot([FIXTURE_CALL_ID])).toMatchObject({
      [FIXTURE_CALL_ID]: { call: { status: 'ended', outcome: 'completed' } },
    });

    commit.mockClear();
    commit.mockRejectedValueOnce(Object.assign(new Error('no such column'), { code: '42703' }));
    await expect(
      service.apply(deliveryOf(fixture('status-update-in-progress.json'))),
    ).rejects.toThrow('no such column');
    expect(commit).toHaveBeenCalledTimes(1);
    commit.mockRestore();
  });

  it('logs a redelivery once and leaves the call as it was', async () => {
    const delivery = deliveryOf(fixture('end-of-call-report.json'));
    const first = await service.apply(delivery);
    const before = await snapshot([FIXTURE_CALL_ID]);
    const again = await service.apply({ ...delivery, receivedAt: new Date().toISOString() });

    expect(first.logged).toBe(true);
    expect(again.logged).toBe(false);
    const [{ count }]: Array<{ count: string }> = await db.dataSource.query(
      'SELECT count(*) AS count FROM call_events',
    );
    expect(count).toBe('1');
    expect(await snapshot([FIXTURE_CALL_ID])).toEqual(before);
  });

  it('stores the redacted payload and the event facts', async () => {
    const body = fixtureForCall('status-update-ended.json', 'call-redacted');
    (body.message as { assistant: { server: unknown } }).assistant.server = {
      url: 'https://example.test/hook',
      secret: 'do-not-store',
    };
    await service.apply(deliveryOf(body));
    const [record] = await events.listByCall('call-redacted');
    expect(record).toMatchObject({ kind: 'status-update', messageType: 'status-update' });
    expect(record.occurredAt?.toISOString()).toBe('2026-03-12T15:05:07.334Z');
    expect(JSON.stringify(record.payload)).not.toContain('do-not-store');
    expect(JSON.stringify(record.payload)).toContain('https://example.test/hook');
  });

  it('only logs an event that names no call', async () => {
    const body = fixture<{ message: Record<string, unknown> }>('hang.json');
    delete body.message.call;
    const result = await service.apply(deliveryOf(body));
    expect(result).toEqual({ logged: true, transcriptJobs: 0, recordingJobs: 0 });
    const rows: Array<{ call_id: string | null }> = await db.dataSource.query(
      'SELECT call_id FROM call_events',
    );
    expect(rows).toEqual([{ call_id: null }]);
    expect(await db.dataSource.query('SELECT id FROM calls')).toEqual([]);
  });

  it('asks once per report for a transcript job and once per recording for a download', async () => {
    const delivery = deliveryOf(fixture('end-of-call-report.json'));
    await service.apply(delivery);
    await service.apply(delivery);
    await service.apply(deliveryOf(fixture('seed-recording-ready.json')));

    const transcriptJobs = await transcriptQueue.getJobs(['waiting']);
    expect(transcriptJobs.map((j): unknown[] => [j.id, j.name, j.data])).toEqual([
      [
        jobIds.transcript(FIXTURE_CALL_ID, delivery.dedupKey),
        JobName.ProcessTranscript,
        { callId: FIXTURE_CALL_ID },
      ],
    ]);
    const recordingJobs = await recordingQueue.getJobs(['waiting']);
    expect(recordingJobs.map((j) => j.id).sort()).toEqual(
      ['assistant', 'customer', 'mono', 'stereo'].map((k) => jobIds.recording(FIXTURE_CALL_ID, k)),
    );
    const rows = await recordings.listByCall(FIXTURE_CALL_ID);
    expect(rows.map((r) => [r.kind, r.state, r.attempts])).toEqual([
      ['assistant', 'pending', 0],
      ['customer', 'pending', 0],
      ['mono', 'pending', 0],
      ['stereo', 'pending', 0],
    ]);
  });

  it('replaces live finals with the conversation and then the report, whatever the order', async () => {
    const bodies = [
      'transcript-final.json',
      'transcript-partial.json',
      'conversation-update.json',
      'end-of-call-report.json',
    ].map((name) => fixtureForCall(name, 'call-transcript'));
    const random = seededRandom(99);
    let reference: unknown;
    for (let trial = 0; trial < 4; trial++) {
      await truncateAll(db.dataSource);
      await deliver(shuffle(bodies, random).map(deliveryOf), true);
      const state = await stored('call-transcript');
      expect(state.transcript.source).toBe('report');
      expect(state.transcript.segments).toHaveLength(11);
      reference ??= state;
      expect(state).toEqual(reference);
    }
    const [row] = await db.dataSource.query(
      `SELECT transcript_stats, transcript_source FROM calls WHERE id = 'call-transcript'`,
    );
    expect(row.transcript_source).toBe('report');
    expect(row.transcript_stats.turns).toBe(11);
  });

  it('renders text and statistics from live finals while no report exists', async () => {
    await deliver([deliveryOf(fixtureForCall('transcript-final.json', 'call-live'))], false);
    const row = (await calls.findById('call-live'))!;
    expect(row.transcriptSource).toBe('live-final');
    expect(row.transcriptText).toBe(
      'User: Hi, I need to move my cleaning on Friday. Something came up at work.\n',
    );
    expect(row.transcriptStats).toMatchObject({ turns: 1, words: 14 });
    const [segment] = await segments.listByCall('call-live');
    expect(segment).toMatchObject({ seq: 0, role: 'user', source: 'live-final' });
    expect(segment.occurredAt?.toISOString()).toBe('2026-03-12T15:04:19.711Z');
  });
});
