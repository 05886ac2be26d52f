import { mkdtempSync, rmSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BullModule, Processor, WorkerHost } from '@nestjs/bullmq';
import { INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Job, Queue } from 'bullmq';
import { Logger as JsonLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { MetricsRegistry, WithJobContext } from '@app/observability';
import {
  JobName,
  QueueName,
  defaultJobOptions,
  producerConnection,
  callEventJob,
} from '@app/queue';
import { normalizeWebhook, redactPayload } from '@app/vapi';
import { WorkerHealthServer } from '../../apps/worker/src/health/worker-health.server';
import { WorkerOpsModule } from '../../apps/worker/src/health/worker-ops.module';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { TestDatabase, createTestDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import { sample } from '../helpers/metrics';
import { deleteQueueKeys } from '../helpers/redis';
import { TcpProxy } from '../helpers/tcp-proxy';

jest.setTimeout(30_000);

const PROBE_QUEUE = 'ops-log-probe';

/** A processor that logs from inside its job, before and after an await. */
@Processor(PROBE_QUEUE)
class LogProbeProcessor extends WorkerHost {
  private readonly logger = new Logger('LogProbe');

  @WithJobContext()
  async process(job: Job<{ fail?: boolean }>): Promise<string> {
    this.logger.log('probe job started');
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (job.data.fail === true) throw new Error('probe job failed on purpose');
    this.logger.log('probe job finished');
    return 'ok';
  }
}

@Module({
  imports: [BullModule.registerQueue({ name: PROBE_QUEUE })],
  providers: [LogProbeProcessor],
})
class LogProbeModule {}

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('worker operations: health server, job metrics, job log context', () => {
  const raw: string[] = [];
  let db: TestDatabase;
  let app: INestApplicationContext;
  let recordingServer: Server;
  let recordingsUrl: string;
  let dir: string;
  let health: string;
  let monoRequests = 0;
  const queues: Partial<Record<string, Queue>> = {};

  beforeAll(async () => {
    recordingServer = createServer((req, res) => {
      // The mono recording fails once: one failed download attempt, then stored on retry.
      if (req.url?.endsWith('-mono.wav') && ++monoRequests === 1) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.from(`audio of ${req.url}`));
    });
    await new Promise<void>((resolve) => recordingServer.listen(0, '127.0.0.1', resolve));
    recordingsUrl = `http://127.0.0.1:${(recordingServer.address() as AddressInfo).port}/`;
    dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-ops-worker-'));
    const config = testConfig({
      LOG_LEVEL: 'info',
      RECORDINGS_DIR: dir,
      RECORDINGS_ATTEMPTS: '3',
      RECORDINGS_BACKOFF_MS: '20',
      WORKER_BACKOFF_MS: '20',
      WORKER_JOB_ATTEMPTS: '2',
    });
    db = await createTestDatabase(config);
    // Built first with the test's log destination; WorkerModule's own import (if any) reuses it.
    const ops = WorkerOpsModule.forRoot(config, {
      destination: { write: (line: string) => void raw.push(line) },
    });
    app = await NestFactory.createApplicationContext(
      {
        module: class OpsWorkerTestRoot {},
        imports: [ops, WorkerModule.forRoot(config), LogProbeModule],
      },
      { bufferLogs: true },
    );
    app.useLogger(app.get(JsonLogger));
    health = `http://127.0.0.1:${app.get(WorkerHealthServer).port}`;
    for (const name of [...Object.values(QueueName), PROBE_QUEUE]) {
      queues[name] = new Queue(name, {
        connection: producerConnection(config),
        prefix: config.redis.prefix,
        defaultJobOptions:
          name === PROBE_QUEUE ? { attempts: 1 } : defaultJobOptions(name as QueueName, config),
      });
    }
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all(Object.values(queues).map((q) => q?.close() ?? Promise.resolve()));
    if (db) await deleteQueueKeys(db.config.redis.url, db.config.redis.prefix);
    await db?.drop();
    await new Promise<void>((resolve) => recordingServer?.close(() => resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, method = 'GET') => {
    const res = await fetch(`${health}${path}`, { method });
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: await res.text(),
    };
  };
  const metrics = async (): Promise<string> => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.body;
  };

  async function post(name: string): Promise<void> {
    const body: unknown = JSON.parse(
      fixtureBytes(name).toString('utf8').split('https://storage.vapi.ai/').join(recordingsUrl),
    );
    const event = normalizeWebhook(body);
    const job = callEventJob(redactPayload(body), event.dedupKey, new Date());
    await queues[QueueName.CallEvents]!.add(job.name, job.data, job.opts);
  }

  it('GET /health answers 200 with Postgres and Redis up; /health/live 200', async () => {
    const ready = await get('/health');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/health/live')).status).toBe(200);
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    expect((await get('/nothing')).status).toBe(404);
    expect((await get('/health', 'POST')).status).toBe(405);
  });

  it('measures completed and failed jobs per queue and job name, and recording downloads', async () => {
    await post('end-of-call-report.json');
    await post('status-update-ringing.json');
    const bogus = await queues[QueueName.CallEvents]!.add('not-a-job', {});
    await waitFor(async () => ((await bogus.isFailed()) ? true : undefined));
    // Four recordings; mono fails once then is stored.
    const text = await waitFor(async () => {
      const t = await metrics();
      return sample(t, 'vapi_recording_downloads_total', { result: 'stored' }) === 4
        ? t
        : undefined;
    });

    const count = (queue: string, name: string) =>
      sample(text, 'vapi_job_duration_seconds_count', { queue, name });
    expect(count('call-events', 'apply-call-event')).toBe(2);
    expect(count('call-transcripts', 'process-transcript')).toBe(1);
    // Five attempts: four downloads plus the retry of mono.
    expect(count('call-recordings', 'attach-recording')).toBe(5);
    // Unknown job names are one label value, whatever their number.
    expect(count('call-events', 'other')).toBe(1);
    expect(sample(text, 'vapi_job_failures_total', { queue: 'call-events', name: 'other' })).toBe(
      1,
    );
    expect(
      sample(text, 'vapi_job_failures_total', {
        queue: 'call-recordings',
        name: 'attach-recording',
      }),
    ).toBe(1);
    expect(sample(text, 'vapi_recording_downloads_total', { result: 'failed' })).toBe(1);
    expect(text).not.toContain('not-a-job');
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

    // Asking again for a stored recording counts as already stored.
    const again = await queues[QueueName.Recordings]!.add(
      JobName.AttachRecording,
      { callId: FIXTURE_CALL_ID, kind: 'stereo', url: `${recordingsUrl}again.wav` },
      { jobId: 'ops-recording-again' },
    );
    await waitFor(async () => ((await again.isCompleted()) ? true : undefined));
    await waitFor(async () =>
      sample(await metrics(), 'vapi_recording_downloads_total', { result: 'already_stored' }) === 1
        ? true
        : undefined,
    );
  });

  it('puts the job id on every line logged while a job runs, across awaits', async () => {
    const ok = await queues[PROBE_QUEUE]!.add('probe', {}, { jobId: 'ops-probe-ok' });
    const bad = await queues[PROBE_QUEUE]!.add('probe', { fail: true }, { jobId: 'ops-probe-bad' });
    await waitFor(async () =>
      (await ok.isCompleted()) && (await bad.isFailed()) ? true : undefined,
    );
    const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    const probeLines = lines.filter((l) => l.context === 'LogProbe');
    expect(probeLines).toHaveLength(3);
    for (const line of probeLines) {
      expect(line).toMatchObject({ app: 'worker', queue: PROBE_QUEUE, job: 'probe', attempt: 1 });
    }
    expect(probeLines.filter((l) => l.jobId === 'ops-probe-ok').map((l) => l.msg)).toEqual([
      'probe job started',
      'probe job finished',
    ]);
    expect(probeLines.filter((l) => l.jobId === 'ops-probe-bad').map((l) => l.msg)).toEqual([
      'probe job started',
    ]);
    // Lines outside any job carry no job id.
    expect(lines.find((l) => l.context === 'WorkerHealth')).not.toHaveProperty('jobId');
  });

  describe('readiness follows Redis', () => {
    // A second server on the same database, its Redis probe behind a proxy the test can cut
    // (the app's BullMQ workers stay on the real Redis).
    let proxy: TcpProxy;
    let server: WorkerHealthServer;
    let url: string;
    beforeAll(async () => {
      proxy = await TcpProxy.start(6379);
      const config = testConfig({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      server = new WorkerHealthServer(config, db.dataSource, new MetricsRegistry());
      await server.onApplicationBootstrap();
      url = `http://127.0.0.1:${server.port}/health`;
    });
    afterAll(async () => {
      await server?.onApplicationShutdown();
      await proxy?.close();
    });

    it('answers 503 quickly while Redis is cut, and 200 again once it is back', async () => {
      expect((await fetch(url)).status).toBe(200);
      proxy.cut('reset');
      const started = Date.now();
      const down = await fetch(url);
      expect(Date.now() - started).toBeLessThan(2500);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'error',
        info: { postgres: { status: 'up' } },
        error: { redis: { status: 'down', message: expect.any(String) } },
      });
      expect((await fetch(url.replace('/health', '/health/live'))).status).toBe(200);
      proxy.restore();
      await waitFor(async () => ((await fetch(url)).status === 200 ? true : undefined), 10_000);
    });

    it('answers 503 when the worker is not connected to Postgres', async () => {
      const config = testConfig({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
      const unconnected = new DataSource({ type: 'postgres', url: config.database.url });
      const other = new WorkerHealthServer(config, unconnected, new MetricsRegistry());
      await other.onApplicationBootstrap();
      try {
        const res = await fetch(`http://127.0.0.1:${other.port}/health`);
        expect(res.status).toBe(503);
        expect(await res.json()).toMatchObject({
          info: { redis: { status: 'up' } },
          error: { postgres: { status: 'down' } },
        });
      } finally {
        await other.onApplicationShutdown();
      }
    });
  });
});
