import { AddressInfo } from 'node:net';
import { createServer, Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Cluster } from 'ioredis';
import { AppConfig } from '@app/config';
import { runMigrations } from '@app/database';
import { createRedisClient } from '@app/queue';
import { createApiApp } from '../../apps/api/src/app.factory';
import type { CallDetailView } from '../../apps/api/src/calls/call.view';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { testConfig } from '../helpers/config';
import { dropDatabase } from '../helpers/database';
import { FIXTURE_CALL_ID, fixtureBytes } from '../helpers/fixtures';
import {
  LocalRedisCluster,
  LocalSentinelRedis,
  LocalTlsRedis,
  redisServerMissing,
  redisTlsMissing,
} from '../helpers/local-redis';

/**
 * The pipeline (api → queue → worker → Postgres → read API) on each Redis deployment a
 * production install may use, started here from the machine's redis-server: a three-master
 * Cluster, a TLS-only server, a master behind a Sentinel.
 */

jest.setTimeout(120_000);

const VAPI_STORAGE = 'https://storage.vapi.ai/';
const CONVERSATION = [
  'status-update-ringing.json',
  'status-update-in-progress.json',
  'transcript-final.json',
  'status-update-ended.json',
  'end-of-call-report.json',
];

/** Serves recording bytes for any path, so the worker never reaches a real host. */
async function startRecordingHost(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'audio/wav' }).end(Buffer.alloc(2048, 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** Runs api and worker on `env`, posts the conversation, returns the call as the read API shows it. */
async function runPipeline(env: Record<string, string>): Promise<{
  config: AppConfig;
  call: CallDetailView;
  statuses: number[];
}> {
  const host = await startRecordingHost();
  const recordingsDir = mkdtempSync(join(tmpdir(), 'vapi-hooks-topology-'));
  const config = testConfig({
    ...env,
    RECORDINGS_DIR: recordingsDir,
    WORKER_BACKOFF_MS: '50',
    RECORDINGS_BACKOFF_MS: '50',
  });
  let api: NestFastifyApplication | undefined;
  let worker: INestApplicationContext | undefined;
  try {
    await runMigrations(config);
    api = await createApiApp(config);
    await api.init();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
      logger: false,
    });
    await worker.init();
    const statuses: number[] = [];
    for (const name of CONVERSATION) {
      const res = await api.inject({
        method: 'POST',
        url: '/api/webhook/vapi',
        payload: fixtureBytes(name).toString('utf8').split(VAPI_STORAGE).join(host.origin),
        headers: { 'content-type': 'application/json' },
      });
      statuses.push(res.statusCode);
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await api.inject({ method: 'GET', url: `/api/calls/${FIXTURE_CALL_ID}` });
      if (res.statusCode === 200) {
        const call = res.json<CallDetailView>();
        if (call.status === 'ended' && call.summary !== null && call.recordingUrl !== null) {
          return { config, call, statuses };
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`call not complete after 60 s: ${res.statusCode} ${res.body}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await worker?.close();
    await api?.close();
    await new Promise((resolve) => host.server.close(resolve));
    rmSync(recordingsDir, { recursive: true, force: true });
    await dropDatabase(config.database.url).catch(() => undefined);
  }
}

const expectCompleteCall = (result: Awaited<ReturnType<typeof runPipeline>>): void => {
  expect(result.statuses).toEqual(CONVERSATION.map(() => 200));
  expect(result.call).toMatchObject({
    id: FIXTURE_CALL_ID,
    status: 'ended',
    outcome: 'completed',
    endedReason: 'customer-ended-call',
    summary: expect.stringContaining('Dana'),
  });
};

const serverMissing = redisServerMissing();
const tlsMissing = redisTlsMissing();
if (serverMissing !== undefined) {
  process.stdout.write(`\n[redis topologies] skipped: ${serverMissing}\n`);
} else if (tlsMissing !== undefined) {
  process.stdout.write(`\n[redis topologies] TLS skipped: ${tlsMissing}\n`);
}
const withRedisServer = serverMissing === undefined ? describe : describe.skip;
const withTls = tlsMissing === undefined ? describe : describe.skip;

withRedisServer('on a three-master Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  beforeAll(async () => {
    cluster = await LocalRedisCluster.start(3);
  });
  afterAll(async () => cluster?.stop());

  it('runs the call pipeline, every queue key in the one slot of the hash-tagged prefix', async () => {
    const result = await runPipeline({ REDIS_CLUSTER_NODES: cluster.nodes });
    expectCompleteCall(result);

    const { prefix } = result.config.redis;
    expect(prefix).toMatch(/^\{.+\}$/);
    // Keys as the cluster holds them, master by master (the factory's own Cluster client).
    const client = createRedisClient(result.config.redis) as Cluster;
    try {
      // Slots and nodes are known once the client answered a command.
      await client.ping();
      const perMaster = await Promise.all(
        client.nodes('master').map((node) => node.keys(`${prefix}:*`)),
      );
      const keys = perMaster.flat();
      expect(keys.length).toBeGreaterThan(0);
      expect(perMaster.filter((k) => k.length > 0)).toHaveLength(1);
      expect(
        new Set(await Promise.all(keys.map((k) => client.call('cluster', 'keyslot', k)))),
      ).toEqual(new Set([await client.call('cluster', 'keyslot', `${prefix}:x`)]));
      await Promise.all(perMaster.flat().map((k) => client.del(k)));
    } finally {
      client.disconnect();
    }
  });
});

withTls('on a TLS-only Redis (rediss://)', () => {
  let redis: LocalTlsRedis;
  beforeAll(async () => {
    redis = await LocalTlsRedis.start();
  });
  afterAll(async () => redis?.stop());

  it('runs the call pipeline when told to trust the server’s CA', async () => {
    expectCompleteCall(
      await runPipeline({ REDIS_URL: redis.url, REDIS_TLS_CA_FILE: redis.caFile }),
    );
  });

  it('refuses a server whose certificate it cannot verify', async () => {
    const client = createRedisClient(testConfig({ REDIS_URL: redis.url }).redis, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await expect(client.ping()).rejects.toThrow();
    } finally {
      client.disconnect();
    }
  });
});

withRedisServer('on a master found through Redis Sentinel', () => {
  let redis: LocalSentinelRedis;
  beforeAll(async () => {
    redis = await LocalSentinelRedis.start();
  });
  afterAll(async () => redis?.stop());

  it('runs the call pipeline, the queue keys on the master the sentinel names', async () => {
    const result = await runPipeline({
      // Host and port of REDIS_URL are not used with sentinels: port 1 would refuse.
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_SENTINELS: redis.sentinels,
      REDIS_SENTINEL_NAME: redis.name,
    });
    expectCompleteCall(result);
    const client = createRedisClient(result.config.redis);
    try {
      const keys = await client.keys(`${result.config.redis.prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(await client.call('info', 'server')).toContain(`tcp_port:${redis.masterPort}`);
      await client.del(...keys);
    } finally {
      client.disconnect();
    }
  });
});
