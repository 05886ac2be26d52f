import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { normalizeWebhook } from '@app/vapi';
import { Delivery, HttpClient, hmacHeaders, WEBHOOK_PATH } from '../helpers/load';
import {
  FakeStorage,
  PipelineSnapshot,
  QueueCounts,
  connectDatabase,
  diffSnapshots,
  dropDatabase,
  pickCalls,
  startFakeStorage,
  takeSnapshot,
  waitForDrain,
} from '../helpers/pipeline';
import { AppName, ManagedProcess, freePort, runCli, startApp } from '../helpers/processes';
import { TEST_QUEUE_BACKEND } from '../helpers/config';
import { deleteQueueKeys } from '../helpers/redis';
import { TcpProxy } from '../helpers/tcp-proxy';
import { WorkloadEvent, WorkloadOptions, generateWorkload } from '../helpers/workload';

/**
 * One fault drill's world: its own database and queue prefix, the built api and worker as
 * child processes (so signals are real), optional cuttable proxies in front of Redis and
 * Postgres, and a fake recording store. `dispose()` removes all of it.
 */

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
/** `QUEUE_BACKEND=postgres` runs the drills with the queues in each drill's database. */
export const DRILL_QUEUE_BACKEND = TEST_QUEUE_BACKEND;

/** Calls in the reference run; drills use the first N of them (the shuffle drill all of them). */
export const REFERENCE_CALLS = 100;
/** Spoken turns per call: 4 gives 20 events per answered call, 3 per unanswered one. */
export const DRILL_TURNS = 4;

/** What a drill needs besides the defaults. */
export interface DrillOptions {
  name: string;
  /** Apps whose Redis traffic goes through `redisProxy`. */
  redisProxyFor?: AppName[];
  /** Apps whose Postgres traffic goes through `postgresProxy`. */
  postgresProxyFor?: AppName[];
  /** Extra environment for both apps (e.g. secrets, log level). */
  env?: Record<string, string>;
  /** Start the worker with the api (default true). */
  worker?: boolean;
}

/** The running world of one drill. */
export class Drill {
  readonly hmacSecret = `drill-hmac-${randomBytes(6).toString('hex')}`;
  readonly prefix: string;
  readonly databaseUrl: string;
  readonly logDir: string;
  readonly client: HttpClient;
  api: ManagedProcess | undefined;
  worker: ManagedProcess | undefined;
  private workerRuns = 0;
  private apiRuns = 0;

  private constructor(
    readonly options: DrillOptions,
    readonly suffix: string,
    readonly apiPort: number,
    readonly workerHealthPort: number,
    readonly storage: FakeStorage,
    readonly db: DataSource,
    readonly redisProxy: TcpProxy | undefined,
    readonly postgresProxy: TcpProxy | undefined,
  ) {
    this.prefix = `{drill_${suffix}}`;
    this.databaseUrl = `${POSTGRES_URL}/vapi_hooks_drill_${suffix}`;
    this.logDir = join(tmpdir(), 'vapi-hooks-drills', `${options.name}-${suffix}`);
    this.client = new HttpClient(`http://127.0.0.1:${apiPort}`, 64);
  }

  /** Creates the database (through the CLI's `migrate`) and starts the apps. */
  static async start(options: DrillOptions): Promise<Drill> {
    const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
    const databaseUrl = `${POSTGRES_URL}/vapi_hooks_drill_${suffix}`;
    const redisPort = Number(new URL(REDIS_URL).port || 6379);
    const pgPort = Number(new URL(POSTGRES_URL).port || 5432);
    let db: DataSource | undefined;
    let drill: Drill;
    try {
      await runCli(['migrate'], { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
      db = await connectDatabase(databaseUrl);
      drill = new Drill(
        options,
        suffix,
        await freePort(),
        await freePort(),
        await startFakeStorage(),
        db,
        options.redisProxyFor?.length ? await TcpProxy.start(redisPort) : undefined,
        options.postgresProxyFor?.length ? await TcpProxy.start(pgPort) : undefined,
      );
    } catch (error) {
      if (db?.isInitialized) await db.destroy();
      await dropDatabase(databaseUrl);
      throw error;
    }
    try {
      await drill.startApi();
      if (options.worker !== false) await drill.startWorker();
    } catch (error) {
      await drill.dispose();
      throw error;
    }
    return drill;
  }

  /** The environment an app runs with in this drill. */
  envFor(app: AppName): Record<string, string> {
    const redisProxy = this.options.redisProxyFor?.includes(app) ? this.redisProxy : undefined;
    const pgProxy = this.options.postgresProxyFor?.includes(app) ? this.postgresProxy : undefined;
    const redisUrl = redisProxy ? `redis://127.0.0.1:${redisProxy.port}` : REDIS_URL;
    const databaseUrl = pgProxy
      ? this.databaseUrl.replace(/@[^/]+\//, `@127.0.0.1:${pgProxy.port}/`)
      : this.databaseUrl;
    return {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(this.apiPort),
      WORKER_HEALTH_PORT: String(this.workerHealthPort),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: this.prefix,
      QUEUE_BACKEND: DRILL_QUEUE_BACKEND,
      VAPI_WEBHOOK_HMAC_SECRET: this.hmacSecret,
      // Production refuses an api whose read API has no token.
      API_TOKENS: `drill-read-${this.suffix}`,
      WEBHOOK_ENQUEUE_TIMEOUT_MS: '1000',
      WORKER_BACKOFF_MS: '200',
      RECORDINGS_DIR: join(this.logDir, 'recordings'),
      RECORDINGS_BACKOFF_MS: '200',
      RECORDINGS_DOWNLOAD_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'info',
      ...this.options.env,
    };
  }

  /** Starts (or restarts) the api on its port. */
  async startApi(): Promise<ManagedProcess> {
    this.apiRuns += 1;
    this.api = await startApp('api', this.envFor('api'), {
      logDir: this.logDir,
      name: `api-${this.apiRuns}`,
    });
    return this.api;
  }

  /** Starts (or restarts) the worker. */
  async startWorker(): Promise<ManagedProcess> {
    this.workerRuns += 1;
    this.worker = await startApp('worker', this.envFor('worker'), {
      logDir: this.logDir,
      name: `worker-${this.workerRuns}`,
    });
    return this.worker;
  }

  /** This drill's share of the reference workload, with recordings served locally. */
  workload(calls: number, options: WorkloadOptions = {}): WorkloadEvent[] {
    return generateWorkload(calls, {
      turns: DRILL_TURNS,
      storageOrigin: this.storage.origin,
      ...options,
    });
  }

  /** POSTs one body, signed with this drill's secret. */
  post(body: Buffer, headers: Record<string, string> = {}) {
    return this.client.post(WEBHOOK_PATH, body, {
      ...hmacHeaders(body, this.hmacSecret),
      ...headers,
    });
  }

  /** Waits until the pipeline queues are empty; returns their counts. */
  drain(timeoutMs = 120_000): Promise<Record<string, QueueCounts>> {
    return waitForDrain(this.queueStore, this.prefix, { timeoutMs });
  }

  /** Where this drill's queues are, for `queueCounts` (a Redis URL or this drill's database). */
  get queueStore(): string {
    return DRILL_QUEUE_BACKEND === 'postgres' ? this.databaseUrl : REDIS_URL;
  }

  snapshot(): Promise<PipelineSnapshot> {
    return takeSnapshot(this.db);
  }

  /**
   * "Nothing lost, nothing doubled": every acknowledged event has exactly one row in the event
   * log, and the log holds nothing that was never delivered. Returns the counts it checked.
   */
  async checkExactlyOnce<T extends { body: Buffer }>(
    deliveries: readonly Delivery<T>[],
  ): Promise<{ acknowledged: number; missing: string[]; doubled: string[]; unexpected: number }> {
    const delivered = new Set(deliveries.map((d) => dedupKeyOf(d.item.body)));
    const acked = new Set(
      deliveries.filter((d) => d.acknowledged).map((d) => dedupKeyOf(d.item.body)),
    );
    const rows = await this.db.query<{ dedup_key: string; n: string }[]>(
      'SELECT dedup_key, count(*) AS n FROM call_events GROUP BY dedup_key',
    );
    const counts = new Map(rows.map((r) => [r.dedup_key, Number(r.n)]));
    return {
      acknowledged: acked.size,
      missing: [...acked].filter((key) => !counts.has(key)),
      doubled: [...counts].filter(([, n]) => n > 1).map(([key]) => key),
      unexpected: [...counts.keys()].filter((key) => !delivered.has(key)).length,
    };
  }

  /** Prints a drill's counts (they are part of its output, pass or fail). */
  report(counts: Record<string, unknown>): void {
    process.stdout.write(`\n[drill ${this.options.name}] ${JSON.stringify(counts)}\n`);
  }

  /** Stops the apps, closes proxies and connections, drops the database and the queue keys. */
  async dispose(): Promise<void> {
    await Promise.allSettled([this.api?.stop(5000), this.worker?.stop(5000)]);
    this.client.close();
    await this.redisProxy?.close();
    await this.postgresProxy?.close();
    await this.storage.close();
    if (this.db.isInitialized) await this.db.destroy();
    await dropDatabase(this.databaseUrl);
    await deleteQueueKeys(REDIS_URL, this.prefix);
    if (!process.env.DRILLS_KEEP_LOGS) rmSync(this.logDir, { recursive: true, force: true });
  }
}

/** The dedup key the api derives for a body. */
export function dedupKeyOf(body: Buffer): string {
  return normalizeWebhook(JSON.parse(body.toString('utf8'))).dedupKey;
}

/**
 * Delivers each call's events in order (waiting for each answer), `concurrency` calls at once:
 * a well-behaved sender with no faults.
 */
export async function deliverInCallOrder(
  drill: Drill,
  events: readonly WorkloadEvent[],
  concurrency = 16,
): Promise<Delivery<WorkloadEvent>[]> {
  const byCall = new Map<string, WorkloadEvent[]>();
  for (const event of events)
    byCall.set(event.callId, [...(byCall.get(event.callId) ?? []), event]);
  const calls = [...byCall.values()];
  const results: Delivery<WorkloadEvent>[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls.length) {
      const call = calls[next];
      next += 1;
      for (const item of call) {
        const result = await drill.post(item.body);
        results.push({ item, attempts: [result], acknowledged: result.status === 200 });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

/**
 * The final rows of a clean run (every call's events in order, no faults), computed once per
 * `npm run test:drills` and shared by the drill files through a file in DRILLS_TMP.
 */
export async function referenceSnapshot(): Promise<PipelineSnapshot> {
  const dir = process.env.DRILLS_TMP ?? join(tmpdir(), 'vapi-hooks-drills');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `reference-${REFERENCE_CALLS}x${DRILL_TURNS}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as PipelineSnapshot;
  const drill = await Drill.start({ name: 'reference' });
  try {
    const deliveries = await deliverInCallOrder(drill, drill.workload(REFERENCE_CALLS));
    const rejected = deliveries.filter((d) => !d.acknowledged);
    if (rejected.length > 0) {
      throw new Error(
        `reference run: ${rejected.length} deliveries not acknowledged, e.g. ${JSON.stringify(rejected[0].attempts)}`,
      );
    }
    const counts = await drill.drain();
    const snapshot = await drill.snapshot();
    drill.report({
      events: deliveries.length,
      calls: Object.keys(snapshot.calls).length,
      queues: counts,
    });
    writeFileSync(file, JSON.stringify(snapshot));
    return snapshot;
  } finally {
    await drill.dispose();
  }
}

/** What a drill ended with, once its queues drained. */
export interface Outcome {
  queues: Record<string, QueueCounts>;
  exactlyOnce: Awaited<ReturnType<Drill['checkExactlyOnce']>>;
  /** Differences from the reference run's rows for the same calls. */
  diffs: string[];
  calls: number;
}

/** Waits for the drill's queues to drain and compares its rows with the reference run. */
export async function settle<T extends { body: Buffer; callId: string }>(
  drill: Drill,
  deliveries: readonly Delivery<T>[],
  reference: PipelineSnapshot,
  drainTimeoutMs = 120_000,
): Promise<Outcome> {
  const queues = await drill.drain(drainTimeoutMs);
  const exactlyOnce = await drill.checkExactlyOnce(deliveries);
  const callIds = new Set(deliveries.map((d) => d.item.callId));
  const actual = await drill.snapshot();
  const diffs = diffSnapshots(pickCalls(reference, callIds), actual);
  return { queues, exactlyOnce, diffs, calls: callIds.size };
}

/** The common verdict: every acknowledged event applied once, no failed jobs, rows as a clean run. */
export function expectNothingLostNothingDoubled(outcome: Outcome): void {
  expect(outcome.exactlyOnce.missing).toEqual([]);
  expect(outcome.exactlyOnce.doubled).toEqual([]);
  expect(outcome.exactlyOnce.unexpected).toBe(0);
  for (const [queue, counts] of Object.entries(outcome.queues)) {
    expect({ queue, failed: counts.failed }).toEqual({ queue, failed: 0 });
  }
  expect(outcome.diffs).toEqual([]);
}

/** Status codes of every attempt, counted (`0:ECONNREFUSED` for failed connections). */
export function statusCounts<T>(deliveries: readonly Delivery<T>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of deliveries) {
    for (const a of d.attempts) {
      const key = a.status === 0 ? `0:${a.error ?? '?'}` : String(a.status);
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}
