import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { HttpClient } from '../test/helpers/load';
import {
  FakeStorage,
  connectDatabase,
  dropDatabase,
  obliterateQueues,
  startFakeStorage,
} from '../test/helpers/pipeline';
import {
  ManagedProcess,
  REPO_ROOT,
  freePort,
  runCli,
  startApp,
  startProcess,
} from '../test/helpers/processes';
import { deleteQueueKeys } from '../test/helpers/redis';

/** Where the bench's own processes live once compiled. */
const BENCH_DIST = join(REPO_ROOT, 'dist', 'bench', 'bench');

/** The services a bench run uses; `TEST_*` variables point it elsewhere. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
/**
 * The product's queue backend (`BENCH_QUEUE_BACKEND=postgres`: queues in the run's database,
 * as `npm start` runs them with nothing configured). The reference stays on Redis.
 */
export const QUEUE_BACKEND = process.env.BENCH_QUEUE_BACKEND === 'postgres' ? 'postgres' : 'redis';

/** Everything one bench run starts, on loopback, in its own database and key prefixes. */
export class BenchStack {
  readonly hmacSecret = `bench-hmac-${randomBytes(8).toString('hex')}`;
  /** Queue prefix of the product (api and worker). */
  readonly prefix: string;
  /** Queue prefix of the reference server and worker. */
  readonly referencePrefix: string;
  readonly databaseUrl: string;
  readonly logDir: string;
  api: ManagedProcess | undefined;
  worker: ManagedProcess | undefined;
  reference: ManagedProcess | undefined;
  referenceWorker: ManagedProcess | undefined;
  private runs = 0;

  private constructor(
    readonly suffix: string,
    readonly apiPort: number,
    readonly referencePort: number,
    readonly workerHealthPort: number,
    readonly storage: FakeStorage,
    readonly db: DataSource,
  ) {
    this.prefix = `bench_${suffix}`;
    this.referencePrefix = `benchref_${suffix}`;
    this.databaseUrl = databaseUrlFor(suffix);
    this.logDir = join(tmpdir(), `vapi-hooks-bench-${suffix}`);
  }

  /** Creates the database with the product's migrations and the reference's scratch table. */
  static async create(): Promise<BenchStack> {
    const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
    await runCli(['migrate'], { DATABASE_URL: databaseUrlFor(suffix), LOG_LEVEL: 'warn' });
    const db = await connectDatabase(databaseUrlFor(suffix));
    await db.query(`
      CREATE TABLE bench_reference_events (
        dedup_key    text PRIMARY KEY,
        call_id      text,
        kind         text NOT NULL,
        message_type text NOT NULL,
        occurred_at  timestamptz,
        received_at  timestamptz NOT NULL,
        payload      jsonb
      )`);
    return new BenchStack(
      suffix,
      await freePort(),
      await freePort(),
      await freePort(),
      await startFakeStorage(),
      db,
    );
  }

  /** The product's environment: production defaults, HMAC on, this run's database and prefix. */
  productEnv(): Record<string, string> {
    return {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(this.apiPort),
      WORKER_HEALTH_PORT: String(this.workerHealthPort),
      DATABASE_URL: this.databaseUrl,
      REDIS_URL,
      QUEUE_PREFIX: this.prefix,
      QUEUE_BACKEND,
      VAPI_WEBHOOK_HMAC_SECRET: this.hmacSecret,
      // Production refuses an api whose read API has no token.
      API_TOKENS: `bench-read-${this.suffix}`,
      RECORDINGS_DIR: join(this.logDir, 'recordings'),
      ...pickEnv(/^(LOG_LEVEL|WORKER_[A-Z_]+|DATABASE_POOL_SIZE|WEBHOOK_[A-Z_]+)$/),
    };
  }

  /** Where the product's queues are, for `openPipelineQueue`. */
  get queueStore(): string {
    return QUEUE_BACKEND === 'postgres' ? this.databaseUrl : REDIS_URL;
  }

  url(target: 'product' | 'reference'): string {
    return `http://127.0.0.1:${target === 'product' ? this.apiPort : this.referencePort}`;
  }

  client(target: 'product' | 'reference', maxSockets = 256): HttpClient {
    return new HttpClient(this.url(target), maxSockets);
  }

  async startApi(): Promise<ManagedProcess> {
    this.runs += 1;
    this.api = await startApp('api', this.productEnv(), {
      logDir: this.logDir,
      name: `api-${this.runs}`,
      nodeArgs: cpuProfileArgs(),
    });
    return this.api;
  }

  async startWorker(): Promise<ManagedProcess> {
    this.runs += 1;
    this.worker = await startApp('worker', this.productEnv(), {
      logDir: this.logDir,
      name: `worker-${this.runs}`,
      nodeArgs: cpuProfileArgs(),
    });
    return this.worker;
  }

  async startReference(): Promise<ManagedProcess> {
    this.reference = await startProcess({
      name: 'reference-server',
      script: join(BENCH_DIST, 'reference-server.js'),
      env: {
        NODE_ENV: 'production',
        PORT: String(this.referencePort),
        REDIS_URL,
        QUEUE_PREFIX: this.referencePrefix,
        HMAC_SECRET: this.hmacSecret,
      },
      logDir: this.logDir,
      healthUrl: `${this.url('reference')}/health`,
    });
    return this.reference;
  }

  async startReferenceWorker(): Promise<ManagedProcess> {
    this.runs += 1;
    this.referenceWorker = await startProcess({
      name: `reference-worker-${this.runs}`,
      script: join(BENCH_DIST, 'reference-worker.js'),
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: this.databaseUrl,
        REDIS_URL,
        QUEUE_PREFIX: this.referencePrefix,
        WORKER_HEALTH_PORT: String(this.workerHealthPort),
      },
      logDir: this.logDir,
      healthUrl: `http://127.0.0.1:${this.workerHealthPort}/`,
    });
    return this.referenceWorker;
  }

  /**
   * Empties the product's tables and the reference's scratch table. A worker finishing a
   * straggling job (a recording download) can deadlock with TRUNCATE; that is retried.
   */
  async truncate(): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.db.query(
          'TRUNCATE TABLE call_changes, recordings, transcript_segments, call_events, calls, bench_reference_events RESTART IDENTITY',
        );
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== '40P01' || attempt >= 5) throw error;
      }
    }
  }

  /** Deletes every queue key of the product and the reference. */
  async clearQueues(): Promise<void> {
    if (QUEUE_BACKEND === 'postgres') await obliterateQueues(this.queueStore, this.prefix);
    else await deleteQueueKeys(REDIS_URL, this.prefix);
    await deleteQueueKeys(REDIS_URL, this.referencePrefix);
  }

  /** Stops every process, drops the database and the keys, removes the temp files. */
  async dispose(): Promise<void> {
    const running = [this.api, this.worker, this.reference, this.referenceWorker].filter(
      (p): p is ManagedProcess => p !== undefined,
    );
    await Promise.allSettled(running.map((p) => p.stop(10_000)));
    await this.storage.close();
    // Before the drop: on PostgreSQL the product's queues live in that database.
    await this.clearQueues();
    if (this.db.isInitialized) await this.db.destroy();
    await dropDatabase(this.databaseUrl);
    if (!process.env.BENCH_KEEP_LOGS) rmSync(this.logDir, { recursive: true, force: true });
  }
}

const databaseUrlFor = (suffix: string): string => `${POSTGRES_URL}/vapi_hooks_bench_${suffix}`;

/** Bench knobs that are also product settings (e.g. WORKER_EVENTS_CONCURRENCY) pass through. */
/**
 * With BENCH_CPU_PROFILE=<dir>, the api and worker write V8 CPU profiles there when they stop
 * (open them in Chrome DevTools): where the product's share of the CPU split goes.
 */
function cpuProfileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

function pickEnv(pattern: RegExp): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => pattern.test(entry[0]) && entry[1] !== undefined,
    ),
  );
}
