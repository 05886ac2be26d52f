import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Job, Queue } from 'bullmq';
import fc from 'fast-check';
import { QueueName, callEventJob, defaultJobOptions, producerConnection } from '@app/queue';
import { WebhookValidationError, normalizeWebhook, redactPayload } from '@app/vapi';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { toJsonText } from '../fuzz/arbitraries/json-text';
import { mutatedBody } from '../fuzz/arbitraries/mutations';
import { knownBody } from '../fuzz/arbitraries/vapi-messages';
import { fuzzSettings } from '../fuzz/fuzz-settings';
import { testConfig } from '../helpers/config';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, fixture } from '../helpers/fixtures';
import { deleteQueueKeys } from '../helpers/redis';

jest.setTimeout(5 * 60_000);

const HOSTILE_CALL_ID = '0b5e55ed-0000-4000-8000-00000000beef';
const ATTEMPTS = 5;

/** What the api parses from a generated body's text. */
const parsedBody = (node: unknown): unknown => JSON.parse(toJsonText(node));

/** Too deep for BullMQ's serialiser: such a job cannot exist in a queue at all. */
const queueable = (payload: unknown): boolean => {
  try {
    JSON.stringify(payload);
    return true;
  } catch {
    return false;
  }
};

const refuses = (body: unknown): boolean => {
  try {
    normalizeWebhook(body);
    return false;
  } catch (error) {
    if (error instanceof WebhookValidationError) return true;
    throw error;
  }
};

/**
 * The real worker against jobs no intake should have let through (valid JSON, nonsense for its
 * type: an older intake, a hand-made job, a replayed log) and against hostile bodies the intake
 * does accept. Generated with the fuzz arbitraries from the run's seed (FUZZ_SEED replays).
 */
describe('worker under hostile call-events jobs', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let queue: Queue;
  const settings = fuzzSettings(60);

  beforeAll(async () => {
    const config = testConfig({
      WORKER_JOB_ATTEMPTS: String(ATTEMPTS),
      WORKER_BACKOFF_MS: '50',
      WORKER_EVENTS_CONCURRENCY: '8',
      WORKER_EVENTS_BATCH_SIZE: '4',
    });
    db = await createTestDatabase(config);
    app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    queue = new Queue(QueueName.CallEvents, {
      connection: producerConnection(config),
      prefix: config.redis.prefix,
      defaultJobOptions: defaultJobOptions(QueueName.CallEvents, config),
    });
  });

  afterAll(async () => {
    await app?.close();
    await queue?.close();
    if (db) await deleteQueueKeys(db.config.redis.url, db.config.redis.prefix);
    await db?.drop();
  });

  async function settled(jobs: Job[]): Promise<Job[]> {
    const deadline = Date.now() + 4 * 60_000;
    for (;;) {
      const states = await Promise.all(jobs.map((job) => job.getState()));
      if (states.every((s) => s === 'completed' || s === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`jobs still pending: ${states.join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return Promise.all(jobs.map(async (job) => (await queue.getJob(job.id ?? '')) as Job));
  }

  it('fails nonsense jobs once with their reason, and still applies the call’s other events', async () => {
    // Bodies the normaliser refuses, for the same call as the real events below.
    const generated = fc
      .sample(mutatedBody(knownBody(fc.constant(FIXTURE_CALL_ID))), {
        numRuns: settings.numRuns * 10,
        seed: settings.seed,
      })
      .map(parsedBody)
      .filter((body) => refuses(body) && queueable(body))
      .slice(0, settings.numRuns);
    const nonsense: unknown[] = [
      42,
      null,
      [],
      'status-update',
      { message: { type: 'status-update', call: { id: FIXTURE_CALL_ID } } },
      { message: { type: 'end-of-call-report' } },
      { type: 'call.ended', call: {} },
      ...generated,
    ];
    expect(generated.length).toBeGreaterThan(10);

    const poison = await Promise.all(
      nonsense.map((payload, i) => {
        const job = callEventJob(payload, `nonsense-${i}`, new Date());
        return queue.add(job.name, job.data, job.opts);
      }),
    );
    const real = await Promise.all(
      [
        'status-update-ringing.json',
        'status-update-in-progress.json',
        'transcript-final.json',
        'status-update-ended.json',
        'end-of-call-report.json',
      ].map((name) => {
        const body = fixture(name);
        const job = callEventJob(redactPayload(body), normalizeWebhook(body).dedupKey, new Date());
        return queue.add(job.name, job.data, job.opts);
      }),
    );

    const [poisonDone, realDone] = [await settled(poison), await settled(real)];
    const wrong = poisonDone
      .filter(
        (job) =>
          job.finishedOn === undefined ||
          job.failedReason === undefined ||
          job.attemptsMade !== 1 ||
          !/payload does not normalise: .+/.test(job.failedReason),
      )
      .map((job) => `${job.id}: ${job.attemptsMade} attempt(s), ${String(job.failedReason)}`);
    expect(wrong).toEqual([]);
    expect(await Promise.all(poisonDone.map((job) => job.getState()))).toEqual(
      poisonDone.map(() => 'failed'),
    );
    expect(await Promise.all(realDone.map((job) => job.getState()))).toEqual(
      realDone.map(() => 'completed'),
    );

    const [row] = await db.dataSource.query<Array<{ status: string; ended_reason: string }>>(
      'SELECT status, ended_reason FROM calls WHERE id = $1',
      [FIXTURE_CALL_ID],
    );
    expect(row).toEqual({ status: 'ended', ended_reason: 'customer-ended-call' });
  });

  it('applies every hostile body the intake accepts, without a retry', async () => {
    const accepted = fc
      .sample(mutatedBody(knownBody(fc.constant(HOSTILE_CALL_ID))), {
        numRuns: settings.numRuns * 4,
        seed: settings.seed,
      })
      .map(parsedBody)
      .filter((body) => !refuses(body));
    expect(accepted.length).toBeGreaterThan(10);

    const jobs = await Promise.all(
      accepted.map((body) => {
        const job = callEventJob(redactPayload(body), normalizeWebhook(body).dedupKey, new Date());
        return queue.add(job.name, job.data, job.opts);
      }),
    );
    const done = await settled(jobs);
    const failed = done
      .filter((job) => job.failedReason !== undefined || job.attemptsMade > 1)
      .map(
        (job) =>
          `${job.attemptsMade} attempt(s), ${String(job.failedReason)}: ${JSON.stringify(job.data.payload).slice(0, 400)}`,
      );
    expect(failed).toEqual([]);
  });
});
