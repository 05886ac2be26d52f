import { Logger } from '@nestjs/common';
import {
  CallChangesRepository,
  CallEventsRepository,
  CallsRepository,
  RecordingsRepository,
  TranscriptSegmentsRepository,
} from '@app/database';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { CallsService } from '../../apps/worker/src/calls/calls.service';
import { TranscriptsService } from '../../apps/worker/src/transcripts/transcripts.service';
import { createTestDatabase, truncateAll, type TestDatabase } from '../helpers/database';
import { fixtureForCall } from '../helpers/synthetic-calls';

jest.setTimeout(30_000);

describe(TranscriptsService.name, () => {
  let db: TestDatabase;
  let calls: CallsRepository;
  let events: CallEventsRepository;
  let segments: TranscriptSegmentsRepository;
  let service: TranscriptsService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase();
    calls = new CallsRepository(db.dataSource);
    events = new CallEventsRepository(db.dataSource);
    segments = new TranscriptSegmentsRepository(db.dataSource);
    service = new TranscriptsService(
      db.dataSource,
      new CallsService(calls, segments, new RecordingsRepository(db.dataSource)),
      events,
      new CallChangesRepository(db.dataSource),
    );
  });

  afterEach(async () => {
    await truncateAll(db.dataSource);
  });

  afterAll(async () => {
    await db?.drop();
  });

  /** Logs a fixture the way the call-events job does, without folding it into the call. */
  async function logOnly(name: string, callId: string): Promise<void> {
    const body = fixtureForCall(name, callId);
    const event = normalizeWebhook(body);
    await db.dataSource.transaction(async (m) => {
      await events.append(m, {
        callId,
        dedupKey: event.dedupKey,
        kind: event.kind,
        messageType: event.messageType,
        occurredAt: event.occurredAt === null ? null : new Date(event.occurredAt),
        receivedAt: new Date(),
        payload: redactPayload(body),
      });
      await calls.insertIfMissing(m, callId);
    });
  }

  it('writes report segments, plain text, statistics and analysis from the logged report', async () => {
    await logOnly('end-of-call-report.json', 'call-1');
    await service.processCall('call-1');

    const stored = await segments.listByCall('call-1');
    expect(stored).toHaveLength(11);
    expect(stored.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stored[0]).toMatchObject({
      role: 'assistant',
      source: 'report',
      secondsFromStart: '0.42',
      durationSeconds: '4.31',
      occurredAt: null,
    });
    expect(stored[1]).toMatchObject({ role: 'user', text: expect.stringMatching(/^Hi, I need/) });

    const call = (await calls.findById('call-1'))!;
    expect(call.transcriptSource).toBe('report');
    expect(call.transcriptStats).toEqual({
      turns: 11,
      words: 128,
      talkSeconds: 39.62,
      byRole: {
        assistant: { turns: 6, words: 93, talkSeconds: 27.24 },
        user: { turns: 5, words: 35, talkSeconds: 12.38 },
      },
    });
    expect(call.transcriptText).toMatch(/^AI: Thanks for calling Bright Smile Dental/);
    expect(call.summary).toMatch(/^Dana Whitfield called/);
    expect(call.successEvaluation).toBe('true');
    expect(call.structuredData).toEqual(expect.any(Object));
    expect(call.outcome).toBe('completed');
  });

  it('is idempotent', async () => {
    await logOnly('end-of-call-report.json', 'call-2');
    await service.processCall('call-2');
    const { updatedAt: _first, ...once } = (await calls.findById('call-2'))!;
    const segmentsOnce = await segments.listByCall('call-2');
    await service.processCall('call-2');
    const { updatedAt: _second, ...twice } = (await calls.findById('call-2'))!;
    expect(twice).toEqual(once);
    expect(await segments.listByCall('call-2')).toEqual(segmentsOnce);
  });

  it('runs its transaction again when Postgres aborts it as a deadlock victim, and gives up on other errors', async () => {
    await logOnly('end-of-call-report.json', 'call-5');
    const transaction = jest.spyOn(db.dataSource, 'transaction');
    try {
      transaction.mockRejectedValueOnce(
        Object.assign(new Error('deadlock detected'), { code: '40P01' }),
      );
      await service.processCall('call-5');
      expect(transaction).toHaveBeenCalledTimes(2);
      expect((await calls.findById('call-5'))?.transcriptSource).toBe('report');

      transaction.mockClear();
      transaction.mockRejectedValueOnce(
        Object.assign(new Error('no such column'), { code: '42703' }),
      );
      await expect(service.processCall('call-5')).rejects.toThrow('no such column');
      expect(transaction).toHaveBeenCalledTimes(1);
    } finally {
      transaction.mockRestore();
    }
  });

  it('renders the text itself when the report has none', async () => {
    const body = fixtureForCall('seed-call-ended.json', 'call-3');
    const event = normalizeWebhook(body);
    expect(event.report?.transcriptText).toBeUndefined();
    await logOnly('seed-call-ended.json', 'call-3');
    await service.processCall('call-3');
    const call = (await calls.findById('call-3'))!;
    expect(call.transcriptSource).toBe('report');
    expect(call.transcriptText).toMatch(/^AI: Thanks for calling[^\n]*\nUser: /);
    expect(call.transcriptStats?.turns).toBe(event.report?.transcript?.length);
  });

  it('only refreshes derived columns when the report payload has been purged', async () => {
    await logOnly('end-of-call-report.json', 'call-4');
    await db.dataSource.query(`UPDATE call_events SET payload = NULL, payload_purged_at = now()`);
    await service.processCall('call-4');
    expect(await segments.listByCall('call-4')).toEqual([]);
    expect((await calls.findById('call-4'))?.transcriptStats).toBeNull();
  });

  it('fails for a call that does not exist, so the job is retried', async () => {
    await expect(service.processCall('no-such-call')).rejects.toThrow(/does not exist/);
  });
});
