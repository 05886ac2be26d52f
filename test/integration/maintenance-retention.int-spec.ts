import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { AppConfig } from '@app/config';
import {
  CallChangesRepository,
  CallEventsRepository,
  CallsRepository,
  RecordingsRepository,
  TranscriptSegmentsRepository,
} from '@app/database';
import { JobName, JobSchedulerId, QueueName, workerConnection } from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { runMaintenanceCommand } from '../../apps/cli/src/maintenance-commands';
import { CallEventsService } from '../../apps/worker/src/call-events/call-events.service';
import { MaintenanceScheduler } from '../../apps/worker/src/maintenance/maintenance.scheduler';
import { PayloadRetentionService } from '../../apps/worker/src/maintenance/payload-retention.service';
import { CallsService } from '../../apps/worker/src/calls/calls.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { createTestDatabase, truncateAll, type TestDatabase } from '../helpers/database';
import { webhookFixtureNames } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';
import { fixtureForCall } from '../helpers/synthetic-calls';

jest.setTimeout(60_000);

const DAY_MS = 24 * 60 * 60 * 1000;

describe(PayloadRetentionService.name, () => {
  let db: TestDatabase;
  let config: AppConfig;
  let queues: Queue[];
  let maintenance: Queue;
  let callEvents: CallEventsService;
  let retention: PayloadRetentionService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    db = await createTestDatabase(testConfig({ RETENTION_PAYLOAD_DAYS: '30' }));
    config = db.config;
    const { dataSource } = db;
    const queue = (name: QueueName): Queue =>
      new Queue(name, { connection: workerConnection(config), prefix: config.redis.prefix });
    queues = [queue(QueueName.Transcripts), queue(QueueName.Recordings)];
    maintenance = queue(QueueName.Maintenance);
    const calls = new CallsRepository(dataSource);
    const events = new CallEventsRepository(dataSource);
    const segments = new TranscriptSegmentsRepository(dataSource);
    const callsService = new CallsService(calls, segments, new RecordingsRepository(dataSource));
    callEvents = new CallEventsService(
      dataSource,
      events,
      new CallChangesRepository(dataSource),
      callsService,
      queues[0],
      queues[1],
    );
    retention = new PayloadRetentionService(events, config);
  });

  afterEach(async () => {
    await truncateAll(db.dataSource);
    await Promise.all(queues.map((q) => q.obliterate({ force: true })));
  });

  afterAll(async () => {
    await Promise.all([...(queues ?? []), maintenance].map((q) => q?.close()));
    if (db) await deleteQueueKeys(db.config.redis.url, db.config.redis.prefix);
    await db?.drop();
  });

  /** Delivers a whole call's VAPI-format fixtures as if received `ageDays` ago; events logged. */
  async function deliverCall(callId: string, ageDays: number): Promise<number> {
    const receivedAt = new Date(Date.now() - ageDays * DAY_MS).toISOString();
    const bodies = webhookFixtureNames()
      .filter((name) => !name.startsWith('seed-') && !name.includes('no-answer'))
      .map((name) => fixtureForCall(name, callId))
      // Recordings point at a closed local port: a booted worker must never reach VAPI's storage.
      .map(
        (body) =>
          JSON.parse(
            JSON.stringify(body).split('https://storage.vapi.ai/').join('http://127.0.0.1:9/'),
          ) as Record<string, unknown>,
      );
    for (const body of bodies) {
      await callEvents.apply({
        payload: redactPayload(body),
        dedupKey: normalizeWebhook(body).dedupKey,
        receivedAt,
      });
    }
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM call_events WHERE call_id = $1',
      [callId],
    );
    return n;
  }

  async function eventRows(): Promise<
    { call_id: string; has_payload: boolean; purged: boolean }[]
  > {
    return db.dataSource.query(
      `SELECT call_id, payload IS NOT NULL AS has_payload, payload_purged_at IS NOT NULL AS purged
         FROM call_events ORDER BY id`,
    );
  }

  /** Everything derived from the events: must survive retention untouched. */
  async function derivedRows(): Promise<unknown> {
    return db.dataSource.query(
      `SELECT (SELECT jsonb_agg(to_jsonb(c) ORDER BY id) FROM calls c) AS calls,
              (SELECT jsonb_agg(to_jsonb(s) ORDER BY call_id, seq) FROM transcript_segments s) AS segments,
              (SELECT jsonb_agg(to_jsonb(r) ORDER BY call_id, kind) FROM recordings r) AS recordings`,
    );
  }

  it('purges only payloads older than the retention, in batches, keeping calls and segments', async () => {
    const old = await deliverCall('call-old', 40);
    await deliverCall('call-recent', 10);
    const derived = await derivedRows();

    const report = await retention.purge({ batchSize: 3 });

    expect(report.purged).toBe(old);
    // Full batches of 3, then the short one that ends the loop.
    expect(report.batches).toBe(Math.floor(old / 3) + 1);
    expect(Date.parse(report.cutoff!)).toBeCloseTo(Date.now() - 30 * DAY_MS, -4);
    for (const row of await eventRows()) {
      const isOld = row.call_id === 'call-old';
      expect([row.call_id, row.has_payload, row.purged]).toEqual([row.call_id, !isOld, isOld]);
    }
    expect(await derivedRows()).toEqual(derived);

    expect(await retention.purge({ batchSize: 3 })).toMatchObject({ purged: 0, batches: 1 });
  });

  it('keeps everything when retention is 0 days', async () => {
    await deliverCall('call-old', 400);
    expect(await retention.purge({ days: 0 })).toEqual({ cutoff: null, purged: 0, batches: 0 });
    expect((await eventRows()).every((row) => row.has_payload)).toBe(true);
  });

  it('runs from the CLI with its own age and batch size', async () => {
    const old = await deliverCall('call-old', 8);
    await deliverCall('call-recent', 1);
    const lines: string[] = [];
    const code = await runMaintenanceCommand(
      'purge-payloads',
      ['--days', '7', '--batch-size', '100'],
      config,
      (line) => void lines.push(line),
    );
    expect(code).toBe(0);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^purged ${old} payload\\(s\\) .* in 1 batch\\(es\\)$`)),
    ]);
    expect((await eventRows()).filter((row) => !row.has_payload)).toHaveLength(old);
  });

  describe('schedule', () => {
    const apps: INestApplicationContext[] = [];
    const boot = async (bootConfig: AppConfig): Promise<INestApplicationContext> => {
      const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(bootConfig), {
        logger: false,
      });
      apps.push(app);
      await app.get(MaintenanceScheduler).whenRegistered();
      return app;
    };
    afterEach(async () => {
      while (apps.length > 0) await apps.pop()?.close();
      await maintenance.obliterate({ force: true });
    });

    it('is registered once when two workers boot, and its first run purges', async () => {
      const old = await deliverCall('call-old', 45);
      // Only the purge is under test: the workers get no call work.
      await Promise.all(queues.map((q) => q.obliterate({ force: true })));
      await Promise.all([boot(config), boot(config)]);

      const schedulers = await maintenance.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.name, s.every])).toEqual([
        [JobSchedulerId.PurgePayloads, JobName.PurgePayloads, 60 * 60 * 1000],
      ]);
      // Without VAPI_API_KEY there is nothing to reconcile with.
      expect(schedulers.some((s) => s.key === JobSchedulerId.ReconcileCalls)).toBe(false);

      const deadline = Date.now() + 15_000;
      while ((await maintenance.getJobCounts('completed')).completed === 0) {
        if (Date.now() > deadline) throw new Error('the scheduled purge never ran');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await eventRows()).some((row) => row.has_payload)).toBe(false);
      // Time for a duplicate first run, had each worker scheduled its own.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const completed = await maintenance.getJobs(['completed']);
      expect(completed.map((job) => job.name)).toEqual([JobName.PurgePayloads]);
      expect(completed[0].returnvalue).toMatchObject({ purged: old });
      // One next run is waiting, not one per worker.
      expect(await maintenance.getJobCounts('delayed', 'waiting')).toEqual({
        delayed: 1,
        waiting: 0,
      });
    });

    it('is removed when retention is turned off', async () => {
      await boot(config);
      expect(await maintenance.getJobSchedulersCount()).toBe(1);
      await apps.pop()?.close();
      await boot({ ...config, retention: { ...config.retention, payloadDays: 0 } });
      expect(await maintenance.getJobSchedulersCount()).toBe(0);
    });
  });
});
