import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Job, Queue } from 'bullmq';
import { JobName, QueueName } from '@app/queue';
import type { ReplayReport } from '../../apps/worker/src/maintenance/replay.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import { OpsApi, basicAuth, startOpsApi, stopOpsApi } from '../helpers/ops-api';

jest.setTimeout(60_000);

const ADMIN = { ADMIN_USERNAME: 'replay-admin', ADMIN_PASSWORD: 'replay-pass-3f9a' };
const GOOD = basicAuth(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD);
const REPLAY = '/api/admin/replay';

/** The VAPI-format conversation of the fixture call, in sending order. */
const CONVERSATION = [
  'status-update-ringing.json',
  'status-update-in-progress.json',
  'transcript-final.json',
  'conversation-update.json',
  'status-update-ended.json',
  'end-of-call-report.json',
];

describe('POST /api/admin/replay', () => {
  describe('with admin credentials configured', () => {
    let h: OpsApi;
    let worker: INestApplicationContext;
    let maintenance: Queue;
    let pipeline: Queue[];

    beforeAll(async () => {
      h = await startOpsApi({ ...ADMIN, RECORDINGS_ATTEMPTS: '1' });
      worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(h.config), {
        logger: false,
      });
      const queue = (name: QueueName): Queue =>
        new Queue(name, {
          connection: { url: h.config.redis.url, maxRetriesPerRequest: 1 },
          prefix: h.config.redis.prefix,
        });
      maintenance = queue(QueueName.Maintenance);
      pipeline = [QueueName.CallEvents, QueueName.Transcripts].map(queue);
    });

    afterAll(async () => {
      await Promise.all([maintenance, ...(pipeline ?? [])].map((q) => q?.close()));
      await worker?.close();
      await stopOpsApi(h);
    });

    const replay = (options: { authorization?: string; payload?: string; query?: string }) =>
      h.app.inject({
        method: 'POST',
        url: `${REPLAY}${options.query ?? ''}`,
        headers: {
          ...(options.authorization === undefined ? {} : { authorization: options.authorization }),
          ...(options.payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.payload === undefined ? {} : { payload: options.payload }),
      });

    async function finished(id: string): Promise<Job> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const job = await Job.fromId(maintenance, id);
        const state = await job?.getState();
        if (job && (state === 'completed' || state === 'failed')) return job;
        if (Date.now() > deadline) throw new Error(`job ${id} never finished (${state})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    async function drain(): Promise<void> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const counts = await Promise.all(
          pipeline.map((q) => q.getJobCounts('waiting', 'active', 'delayed')),
        );
        if (counts.every((c) => c.waiting + c.active + c.delayed === 0)) return;
        if (Date.now() > deadline) throw new Error('pipeline did not drain');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it.each([
      ['no credentials', undefined],
      ['a wrong password', basicAuth(ADMIN.ADMIN_USERNAME, 'replay-pass-3f9b')],
      ['a Bearer token', `Bearer ${ADMIN.ADMIN_PASSWORD}`],
    ])('answers 401 with a Basic challenge for %s, and enqueues nothing', async (_l, auth) => {
      const before = await maintenance.getJobCountByTypes('waiting', 'active', 'completed');
      const res = await replay({ authorization: auth, payload: '{"callIds":["x"]}' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="vapi-hooks admin"');
      expect(await maintenance.getJobCountByTypes('waiting', 'active', 'completed')).toBe(before);
    });

    it.each([
      ['a body that is not JSON', '{callIds:', /not valid JSON/],
      ['no selection', '{}', /Name the calls/],
      ['an unknown field', '{"callId":"x"}', /Unknown field/],
    ])('answers 400 for %s', async (_l, payload, message) => {
      const res = await replay({ authorization: GOOD, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(message);
    });

    it('answers 202 with one replay job per call and one for the range', async () => {
      const res = await replay({
        authorization: GOOD,
        payload: JSON.stringify({
          callIds: ['no-such-call-1', 'no-such-call-2'],
          from: '2026-03-12T00:00:00Z',
          to: '2026-03-13T00:00:00Z',
          followups: true,
        }),
      });
      expect(res.statusCode).toBe(202);
      const body = res.json<{ queue: string; jobIds: string[] }>();
      expect(body.queue).toBe(QueueName.Maintenance);
      expect(body.jobIds).toHaveLength(3);
      const jobs = await Promise.all(body.jobIds.map(finished));
      const options = { rederive: false, followups: true, force: false };
      expect(jobs.map((job): unknown[] => [job.name, job.data as unknown])).toEqual([
        [JobName.Replay, { callIds: ['no-such-call-1'], ...options }],
        [JobName.Replay, { callIds: ['no-such-call-2'], ...options }],
        [
          JobName.Replay,
          { from: '2026-03-12T00:00:00.000Z', to: '2026-03-13T00:00:00.000Z', ...options },
        ],
      ]);
      expect(jobs.map((job) => (job.returnvalue as ReplayReport).notFound)).toEqual([
        ['no-such-call-1'],
        ['no-such-call-2'],
        [],
      ]);
    });

    it('takes the request from the query string too', async () => {
      const res = await replay({ authorization: GOOD, query: '?callIds=q1,q2&rederive=true' });
      expect(res.statusCode).toBe(202);
      const ids = res.json<{ jobIds: string[] }>().jobIds;
      expect(ids).toHaveLength(2);
      expect((await finished(ids[1])).data).toEqual({
        callIds: ['q2'],
        rederive: true,
        followups: false,
        force: false,
      });
    });

    it('has the worker restore a tampered call to what it was', async () => {
      for (const name of CONVERSATION) {
        const res = await h.app.inject({
          method: 'POST',
          url: '/api/webhook/vapi',
          // Recordings point at a closed local port: the test must never reach VAPI's storage.
          payload: fixtureBytes(name)
            .toString('utf8')
            .split('https://storage.vapi.ai/')
            .join('http://127.0.0.1:9/'),
          headers: { 'content-type': 'application/json' },
        });
        expect(res.statusCode).toBe(200);
      }
      await drain();
      const row = async (): Promise<unknown> => {
        const [call] = await h.db.dataSource.query(
          `SELECT to_jsonb(c) - 'updated_at' AS call,
                  (SELECT count(*)::int FROM transcript_segments WHERE call_id = c.id) AS segments
             FROM calls c WHERE id = $1`,
          [FIXTURE_CALL_ID],
        );
        return call;
      };
      const original = await row();
      await h.db.dataSource.query(
        `UPDATE calls SET status = 'queued', summary = NULL, field_versions = '{}' WHERE id = $1`,
        [FIXTURE_CALL_ID],
      );
      await h.db.dataSource.query('DELETE FROM transcript_segments WHERE call_id = $1', [
        FIXTURE_CALL_ID,
      ]);
      expect(await row()).not.toEqual(original);

      const res = await replay({
        authorization: GOOD,
        payload: JSON.stringify({ callIds: [FIXTURE_CALL_ID], rederive: true }),
      });
      expect(res.statusCode).toBe(202);
      const job = await finished(res.json<{ jobIds: string[] }>().jobIds[0]);

      expect(job.returnvalue).toMatchObject({ calls: 1, rederived: 1, refused: [] });
      expect(await row()).toEqual(original);
      expect(original).toMatchObject({ segments: 11, call: { status: 'ended' } });
    });
  });

  describe('without admin credentials', () => {
    let h: OpsApi;
    beforeAll(async () => {
      h = await startOpsApi({ ADMIN_USERNAME: 'only-a-user' });
    });
    afterAll(async () => stopOpsApi(h));

    it('is not mounted: 404, whatever the credentials', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: REPLAY,
        headers: { authorization: GOOD, 'content-type': 'application/json' },
        payload: '{"callIds":["x"]}',
      });
      expect(res.statusCode).toBe(404);
    });
  });
});
