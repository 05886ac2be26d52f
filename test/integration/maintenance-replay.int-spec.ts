import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import {
  CallChangesRepository,
  CallEventsRepository,
  CallsRepository,
  RecordingsRepository,
  TranscriptSegmentsRepository,
} from '@app/database';
import { JobName, QueueName, callEventJob, jobIds, workerConnection, type JobOf } from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { EXIT_INCOMPLETE, runMaintenanceCommand } from '../../apps/cli/src/maintenance-commands';
import { CallEventsService } from '../../apps/worker/src/call-events/call-events.service';
import { CallsService } from '../../apps/worker/src/calls/calls.service';
import { ReplayService } from '../../apps/worker/src/maintenance/replay.service';
import { TranscriptsService } from '../../apps/worker/src/transcripts/transcripts.service';
import { createTestDatabase, truncateAll, type TestDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, webhookFixtureNames } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';
import {
  fixtureForCall,
  seededRandom,
  shuffle,
  shuffledWithDuplicates,
} from '../helpers/synthetic-calls';

jest.setTimeout(90_000);

type Delivery = JobOf<JobName.ApplyCallEvent>;

const deliveryOf = (body: unknown): Delivery =>
  callEventJob(redactPayload(body), normalizeWebhook(body).dedupKey, new Date()).data;

/**
 * The VAPI-format fixtures of the answered inbound call. Not the legacy ones: an event in both
 * formats shares one dedup key with different content, the log keeps the first only, and so
 * replay can only rebuild what that one says (the worker folded both).
 */
const conversationBodies = (callId: string): Record<string, unknown>[] =>
  webhookFixtureNames()
    .filter((name) => name !== 'end-of-call-report-no-answer.json' && !name.startsWith('seed-'))
    .map((name) => fixtureForCall(name, callId))
    .filter((body) => normalizeWebhook(body).callId === callId);

/** Calls made of random subsets of the conversation (some with no report, some partial). */
function partialCalls(
  count: number,
  random: () => number,
): { callId: string; bodies: unknown[] }[] {
  return Array.from({ length: count }, (_, i) => {
    const callId = `replay-range-${i}`;
    return { callId, bodies: conversationBodies(callId).filter(() => random() < 0.7) };
  }).filter((call) => call.bodies.length > 0);
}

describe(ReplayService.name, () => {
  let db: TestDatabase;
  let transcriptQueue: Queue;
  let recordingQueue: Queue;
  let service: CallEventsService;
  let transcripts: TranscriptsService;
  let replay: ReplayService;
  const random = seededRandom(20261123);

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    const { dataSource, config } = db;
    const queueOptions = { connection: workerConnection(config), prefix: config.redis.prefix };
    transcriptQueue = new Queue(QueueName.Transcripts, queueOptions);
    recordingQueue = new Queue(QueueName.Recordings, queueOptions);
    const calls = new CallsRepository(dataSource);
    const events = new CallEventsRepository(dataSource);
    const segments = new TranscriptSegmentsRepository(dataSource);
    const recordings = new RecordingsRepository(dataSource);
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
    replay = new ReplayService(
      dataSource,
      calls,
      events,
      recordings,
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

  /** Delivers as the worker does, then runs the transcript jobs it asked for. */
  async function deliver(bodies: readonly unknown[]): Promise<void> {
    for (const body of bodies) await service.apply(deliveryOf(body));
    await drainTranscriptJobs();
  }

  async function drainTranscriptJobs(): Promise<void> {
    const jobs = await transcriptQueue.getJobs(['waiting', 'prioritized', 'delayed']);
    for (const job of jobs) {
      await transcripts.processCall((job.data as JobOf<JobName.ProcessTranscript>).callId);
      await job.remove();
    }
  }

  /** Every stored column of the calls (first_seen_at included: replay must keep it). */
  async function snapshot(): Promise<unknown> {
    const [row] = await db.dataSource.query<{ s: unknown }[]>(
      `SELECT jsonb_build_object(
         'calls', (SELECT jsonb_object_agg(id, to_jsonb(c) - 'updated_at') FROM calls c),
         'segments', (SELECT jsonb_agg(to_jsonb(s) ORDER BY call_id, seq) FROM transcript_segments s),
         'recordings', (SELECT jsonb_agg(to_jsonb(r) - 'updated_at' ORDER BY call_id, kind) FROM recordings r),
         'events', (SELECT jsonb_agg(to_jsonb(e) ORDER BY id) FROM call_events e)
       ) AS s`,
    );
    return row.s;
  }

  /** What an operator might find: a row damaged by hand and its transcript gone. */
  async function tamper(callId: string): Promise<void> {
    await db.dataSource.query(
      `UPDATE calls SET status = 'queued', status_rank = 1, summary = NULL, cost = NULL,
              outcome = 'unknown', field_versions = '{}', transcript_text = 'tampered'
        WHERE id = $1`,
      [callId],
    );
    await db.dataSource.query('DELETE FROM transcript_segments WHERE call_id = $1', [callId]);
  }

  const rederiveOnly = { rederive: true, followups: false, force: false, requestedAt: 1 };

  it('re-derives a tampered call back to exactly what the worker had stored', async () => {
    await deliver(shuffledWithDuplicates(conversationBodies(FIXTURE_CALL_ID), random));
    const original = await snapshot();
    await tamper(FIXTURE_CALL_ID);
    expect(await snapshot()).not.toEqual(original);

    const report = await replay.replay({ callIds: [FIXTURE_CALL_ID] }, rederiveOnly);

    expect(report).toEqual({
      calls: 1,
      rederived: 1,
      refused: [],
      notFound: [],
      skippedEvents: 0,
      transcriptJobs: 0,
      recordingJobs: 0,
    });
    expect(await snapshot()).toEqual(original);
    const [row] = await db.dataSource.query(
      'SELECT status, summary, cost FROM calls WHERE id = $1',
      [FIXTURE_CALL_ID],
    );
    expect(row).toMatchObject({ status: 'ended', cost: '0.097100' });
    expect(row.summary).toMatch(/^Dana Whitfield called/);
  });

  it('is idempotent: replaying twice leaves the same rows', async () => {
    await deliver(shuffle(conversationBodies(FIXTURE_CALL_ID), random));
    const original = await snapshot();
    await replay.rederive(FIXTURE_CALL_ID);
    expect(await snapshot()).toEqual(original);
    await replay.rederive(FIXTURE_CALL_ID);
    expect(await snapshot()).toEqual(original);
  });

  it('runs a call’s transaction again when Postgres aborts it as a deadlock victim', async () => {
    await deliver(shuffle(conversationBodies(FIXTURE_CALL_ID), random));
    const original = await snapshot();
    await tamper(FIXTURE_CALL_ID);
    const transaction = jest.spyOn(db.dataSource, 'transaction');
    transaction.mockRejectedValueOnce(
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
    );
    try {
      const result = await replay.rederive(FIXTURE_CALL_ID);
      expect(result.outcome).toBe('rederived');
      expect(transaction).toHaveBeenCalledTimes(2);
    } finally {
      transaction.mockRestore();
    }
    expect(await snapshot()).toEqual(original);
  });

  it('re-derives every call first seen in a range, and only those', async () => {
    const synthetic = partialCalls(10, random);
    await deliver(
      shuffledWithDuplicates(
        synthetic.flatMap((c) => c.bodies),
        random,
      ),
    );
    const inRange = synthetic.slice(0, 6).map((c) => c.callId);
    const outside = synthetic.slice(6).map((c) => c.callId);
    await db.dataSource.query(
      `UPDATE calls SET first_seen_at = '2026-01-01T12:00:00Z' WHERE id = ANY($1)`,
      [inRange],
    );
    await db.dataSource.query(
      `UPDATE calls SET first_seen_at = '2026-01-02T00:00:00Z' WHERE id = ANY($1)`,
      [outside],
    );
    const original = await snapshot();
    for (const id of [...inRange, ...outside]) await tamper(id);

    const report = await replay.replay(
      { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-02T00:00:00Z') },
      rederiveOnly,
    );

    expect(report.calls).toBe(inRange.length);
    expect(report.rederived).toBe(inRange.length);
    const rows = await db.dataSource.query<{ id: string; transcript_text: string | null }[]>(
      'SELECT id, transcript_text FROM calls',
    );
    const text = new Map(rows.map((r) => [r.id, r.transcript_text]));
    for (const id of outside) expect(text.get(id)).toBe('tampered');
    for (const id of outside) await replay.rederive(id);
    expect(await snapshot()).toEqual(original);
  });

  it('refuses a call with purged payloads unless forced, and says so', async () => {
    await deliver(conversationBodies(FIXTURE_CALL_ID));
    await db.dataSource.query(
      `UPDATE call_events SET payload = NULL, payload_purged_at = now()
        WHERE call_id = $1 AND kind = 'end-of-call-report'`,
      [FIXTURE_CALL_ID],
    );
    await tamper(FIXTURE_CALL_ID);
    const tampered = await snapshot();

    const refused = await replay.replay({ callIds: [FIXTURE_CALL_ID] }, rederiveOnly);
    expect(refused).toMatchObject({ calls: 1, rederived: 0, refused: [FIXTURE_CALL_ID] });
    expect(await snapshot()).toEqual(tampered);

    const forced = await replay.replay(
      { callIds: [FIXTURE_CALL_ID] },
      { ...rederiveOnly, force: true },
    );
    expect(forced).toMatchObject({ rederived: 1, refused: [], skippedEvents: 1 });
    const [row] = await db.dataSource.query(
      'SELECT status, summary, ended_reason, transcript_source FROM calls WHERE id = $1',
      [FIXTURE_CALL_ID],
    );
    // The status updates are still there; what only the report said is gone.
    expect(row).toMatchObject({
      status: 'ended',
      ended_reason: 'customer-ended-call',
      summary: null,
      transcript_source: 'conversation',
    });
  });

  it('re-enqueues follow-ups under fresh ids: the transcript job and unstored recordings', async () => {
    await deliver(conversationBodies(FIXTURE_CALL_ID));
    const reportKey = normalizeWebhook(
      fixtureForCall('end-of-call-report.json', FIXTURE_CALL_ID),
    ).dedupKey;
    await db.dataSource.query(
      `UPDATE recordings SET state = CASE kind WHEN 'mono' THEN 'stored' WHEN 'stereo' THEN 'failed'
                                               ELSE state END
        WHERE call_id = $1`,
      [FIXTURE_CALL_ID],
    );
    await recordingQueue.obliterate({ force: true });
    // A finished job keeps its id: the pipeline's own ids would be swallowed.
    await transcriptQueue.add(
      JobName.ProcessTranscript,
      { callId: FIXTURE_CALL_ID },
      { jobId: jobIds.transcript(FIXTURE_CALL_ID, reportKey) },
    );
    const options = { rederive: false, followups: true, force: false, requestedAt: 1111 };

    const first = await replay.replay({ callIds: [FIXTURE_CALL_ID, 'no-such-call'] }, options);
    const second = await replay.replay(
      { callIds: [FIXTURE_CALL_ID] },
      { ...options, requestedAt: 2222 },
    );

    expect(first).toMatchObject({
      calls: 2,
      transcriptJobs: 1,
      recordingJobs: 3,
      notFound: ['no-such-call'],
    });
    expect(second).toMatchObject({ calls: 1, transcriptJobs: 1, recordingJobs: 3 });
    const transcriptIds = (await transcriptQueue.getJobs(['waiting'])).map((j) => j.id).sort();
    expect(transcriptIds).toEqual(
      [
        jobIds.transcript(FIXTURE_CALL_ID, reportKey),
        jobIds.transcript(FIXTURE_CALL_ID, 'replay-1111'),
        jobIds.transcript(FIXTURE_CALL_ID, 'replay-2222'),
      ].sort(),
    );
    const recordingJobs = await recordingQueue.getJobs(['waiting']);
    expect(recordingJobs.map((j) => j.id).sort()).toEqual(
      ['assistant', 'customer', 'stereo'].flatMap((kind) =>
        ['1111', '2222'].map((t) => `${jobIds.recording(FIXTURE_CALL_ID, kind)}-replay-${t}`),
      ),
    );
    const stereo = recordingJobs.find((j) => j.id?.includes('stereo'));
    expect(stereo?.name).toBe(JobName.AttachRecording);
    expect(stereo?.data).toEqual({
      callId: FIXTURE_CALL_ID,
      kind: 'stereo',
      url: expect.stringMatching(/-stereo\.wav$/),
    });
  });

  it('is safe while events of the same call are being applied', async () => {
    const bodies = shuffle(conversationBodies(FIXTURE_CALL_ID), random);
    const reference = async (): Promise<unknown> => {
      const s = (await snapshot()) as {
        calls: Record<string, Record<string, unknown>>;
        events: Record<string, unknown>[];
        recordings: Record<string, unknown>[];
      };
      // Wall-clock columns differ between two runs; everything else must not.
      for (const c of Object.values(s.calls)) delete c.first_seen_at;
      for (const r of s.recordings) {
        delete r.id;
        delete r.created_at;
      }
      for (const e of s.events) {
        delete e.id;
        delete e.received_at;
      }
      s.events.sort((a, b) => String(a.dedup_key).localeCompare(String(b.dedup_key)));
      return s;
    };
    await deliver(bodies);
    const expected = await reference();
    await truncateAll(db.dataSource);

    const half = Math.floor(bodies.length / 2);
    await deliver(bodies.slice(0, half));
    await Promise.all([
      ...bodies.slice(half).map((body) => service.apply(deliveryOf(body))),
      replay.rederive(FIXTURE_CALL_ID),
      replay.rederive(FIXTURE_CALL_ID),
      replay.rederive(FIXTURE_CALL_ID),
    ]);
    await drainTranscriptJobs();
    expect(await reference()).toEqual(expected);
  });

  it('runs from the CLI: refuses with exit code 3, then re-derives with --force', async () => {
    await deliver(conversationBodies(FIXTURE_CALL_ID));
    await db.dataSource.query(
      `UPDATE call_events SET payload = NULL, payload_purged_at = now()
        WHERE id = (SELECT min(id) FROM call_events WHERE call_id = $1)`,
      [FIXTURE_CALL_ID],
    );
    const lines: string[] = [];
    const print = (line: string): void => void lines.push(line);

    const refused = await runMaintenanceCommand(
      'replay',
      ['--call', FIXTURE_CALL_ID, '--rederive'],
      db.config,
      print,
    );
    expect(refused).toBe(EXIT_INCOMPLETE);
    expect(lines.join('\n')).toMatch(/refused .*purged.*c0ffee42/);
    expect(lines.join('\n')).toMatch(/--force/);

    lines.length = 0;
    const forced = await runMaintenanceCommand(
      'replay',
      ['--call', FIXTURE_CALL_ID, '--force'],
      db.config,
      print,
    );
    expect(forced).toBe(0);
    expect(lines).toEqual(
      expect.arrayContaining([
        'calls selected: 1',
        're-derived: 1',
        'events skipped (payload purged or unreadable, --force): 1',
        'transcript jobs enqueued: 1',
        'recording downloads enqueued: 4',
      ]),
    );
  });
});
