import { Queue, createPostgresBackend } from 'bullmq';
import { createHash } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { QueueName } from '../../libs/queue/src/queue.constants';

/**
 * Looking at a whole pipeline from outside, as the bench and the fault drills do: a private
 * database, the queues under a prefix, and the final rows compared with a reference run.
 * (Relative imports only: the bench compiles this file without the `@app/*` path mapping.)
 */

/** The queues a webhook's work flows through (maintenance runs on its own schedule). */
export const PIPELINE_QUEUES: readonly QueueName[] = [
  QueueName.CallEvents,
  QueueName.Transcripts,
  QueueName.Recordings,
];

/** Opens a TypeORM connection (no entities) for raw SQL. */
export async function connectDatabase(url: string, poolSize = 4): Promise<DataSource> {
  const db = new DataSource({ type: 'postgres', url, extra: { max: poolSize } });
  await db.initialize();
  return db;
}

/** The database name of a Postgres URL and the URL of the server's `postgres` database. */
function maintenanceUrl(url: string): { name: string; adminUrl: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.slice(1));
  parsed.pathname = '/postgres';
  return { name, adminUrl: parsed.toString() };
}

/** Drops the database of `url` if it exists, disconnecting anyone still using it. */
export async function dropDatabase(url: string): Promise<void> {
  const { name, adminUrl } = maintenanceUrl(url);
  const admin = await connectDatabase(adminUrl, 1);
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.destroy();
  }
}

/** Job counts that mean "work still to do". */
const UNFINISHED = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Counts of one queue, by state. */
export type QueueCounts = Record<string, number>;

/**
 * A handle on one queue of a run, the caller closes it. `store` says where the queues are: a
 * Redis URL (keys under `prefix`), or the run's database URL when the apps run with
 * QUEUE_BACKEND=postgres (tables in its `bullmq` schema, QUEUE_SCHEMA in libs/queue).
 */
export function openPipelineQueue(store: string, prefix: string, name: QueueName): Queue {
  if (/^postgres(ql)?:/.test(store)) {
    const connection = { connectionString: store, schema: 'bullmq', migrate: true, max: 2 };
    const queue = new Queue(name, { connection }, createPostgresBackend);
    return queue as unknown as Queue;
  }
  return new Queue(name, { connection: { url: store, maxRetriesPerRequest: 1 }, prefix });
}

/** Removes every job of every queue of a run on PostgreSQL (on Redis, `deleteQueueKeys`). */
export async function obliterateQueues(store: string, prefix: string): Promise<void> {
  for (const name of Object.values(QueueName)) {
    const queue = openPipelineQueue(store, prefix, name);
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }
}

/** Job counts of every pipeline queue under `prefix` (`store`: see `openPipelineQueue`). */
export async function queueCounts(
  redisUrl: string,
  prefix: string,
  queues: readonly QueueName[] = PIPELINE_QUEUES,
): Promise<Record<string, QueueCounts>> {
  const out: Record<string, QueueCounts> = {};
  // Sequential on purpose: a call-events job adds its follow-up jobs before it completes, so
  // when its queue reads empty the follow-ups are already visible in the queues read next.
  for (const name of queues) {
    const queue = openPipelineQueue(redisUrl, prefix, name);
    try {
      out[name] = await queue.getJobCounts(...UNFINISHED, 'completed', 'failed');
    } finally {
      await queue.close();
    }
  }
  return out;
}

/** Jobs still to do across `counts`. */
export function unfinishedJobs(counts: Record<string, QueueCounts>): number {
  return Object.values(counts).reduce(
    (sum, c) => sum + UNFINISHED.reduce((s, state) => s + (c[state] ?? 0), 0),
    0,
  );
}

/**
 * Waits until no pipeline queue has waiting, active, delayed or prioritized jobs, twice in a
 * row; returns the final counts (so callers can assert on `failed`).
 */
export async function waitForDrain(
  redisUrl: string,
  prefix: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<Record<string, QueueCounts>> {
  const { timeoutMs = 120_000, pollMs = 250 } = options;
  const deadline = Date.now() + timeoutMs;
  let emptyReads = 0;
  let counts: Record<string, QueueCounts> = {};
  while (Date.now() < deadline) {
    counts = await queueCounts(redisUrl, prefix);
    emptyReads = unfinishedJobs(counts) === 0 ? emptyReads + 1 : 0;
    if (emptyReads >= 2) return counts;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new Error(`queues did not drain within ${timeoutMs} ms: ${JSON.stringify(counts)}`);
}

/** The final rows of a run, keyed by call id, without wall-clock columns. */
export interface PipelineSnapshot {
  calls: Record<string, Record<string, unknown>>;
  segments: Record<string, unknown[]>;
  recordings: Record<string, unknown[]>;
  /** Dedup keys logged per call, sorted. */
  events: Record<string, string[]>;
}

/** Local recording servers listen on random ports; URLs are compared without them. */
const LOCAL_ORIGIN = /http:\/\/127\.0\.0\.1:\d+/g;

/**
 * Reads what the pipeline stored. Wall-clock columns (`first_seen_at`, `updated_at`,
 * `received_at`, download times) and local file paths are left out: they differ between two
 * correct runs.
 */
export async function takeSnapshot(db: DataSource): Promise<PipelineSnapshot> {
  const calls = await db.query<{ id: string; row: Record<string, unknown> }[]>(
    `SELECT id, to_jsonb(c) - 'first_seen_at' - 'updated_at' - 'id' AS row FROM calls c`,
  );
  const segments = await db.query<{ call_id: string; rows: unknown[] }[]>(
    `SELECT call_id, jsonb_agg(to_jsonb(s) - 'call_id' ORDER BY seq) AS rows
       FROM transcript_segments s GROUP BY call_id`,
  );
  const recordings = await db.query<{ call_id: string; rows: unknown[] }[]>(
    `SELECT call_id,
            jsonb_agg(jsonb_build_object('kind', kind, 'url', source_url, 'state', state,
                                         'bytes', byte_size, 'sha256', sha256) ORDER BY kind) AS rows
       FROM recordings GROUP BY call_id`,
  );
  const events = await db.query<{ call_id: string | null; keys: string[] }[]>(
    `SELECT call_id, array_agg(dedup_key ORDER BY dedup_key) AS keys FROM call_events GROUP BY call_id`,
  );
  const snapshot: PipelineSnapshot = {
    calls: Object.fromEntries(calls.map((c) => [c.id, c.row])),
    segments: Object.fromEntries(segments.map((s) => [s.call_id, s.rows])),
    recordings: Object.fromEntries(recordings.map((r) => [r.call_id, r.rows])),
    events: Object.fromEntries(events.map((e) => [e.call_id ?? '(none)', e.keys])),
  };
  return JSON.parse(
    JSON.stringify(snapshot).replace(LOCAL_ORIGIN, 'http://recordings.local'),
  ) as PipelineSnapshot;
}

/** Keeps only the given calls (a drill may cover a subset of the reference run's calls). */
export function pickCalls(snapshot: PipelineSnapshot, callIds: Iterable<string>): PipelineSnapshot {
  const ids = new Set(callIds);
  const pick = <T>(table: Record<string, T>): Record<string, T> =>
    Object.fromEntries(Object.entries(table).filter(([id]) => ids.has(id)));
  return {
    calls: pick(snapshot.calls),
    segments: pick(snapshot.segments),
    recordings: pick(snapshot.recordings),
    events: pick(snapshot.events),
  };
}

/**
 * Human-readable differences between two snapshots (`call <id>: <table>.<field> …`), at most
 * `limit` of them plus a count of the rest; empty when they are equal.
 */
export function diffSnapshots(
  expected: PipelineSnapshot,
  actual: PipelineSnapshot,
  limit = 25,
): string[] {
  const diffs: string[] = [];
  for (const table of ['calls', 'segments', 'recordings', 'events'] as const) {
    const want = expected[table] as Record<string, unknown>;
    const got = actual[table] as Record<string, unknown>;
    for (const id of new Set([...Object.keys(want), ...Object.keys(got)])) {
      if (!(id in got)) diffs.push(`${table}[${id}]: missing`);
      else if (!(id in want)) diffs.push(`${table}[${id}]: unexpected`);
      else diffs.push(...diffValues(`${table}[${id}]`, want[id], got[id]));
    }
  }
  return diffs.length > limit
    ? [...diffs.slice(0, limit), `… and ${diffs.length - limit} more`]
    : diffs;
}

function diffValues(path: string, want: unknown, got: unknown): string[] {
  if (stable(want) === stable(got)) return [];
  if (isPlainObject(want) && isPlainObject(got)) {
    return [...new Set([...Object.keys(want), ...Object.keys(got)])].flatMap((key) =>
      diffValues(`${path}.${key}`, want[key], got[key]),
    );
  }
  if (Array.isArray(want) && Array.isArray(got) && want.length === got.length) {
    return want.flatMap((item, i) => diffValues(`${path}[${i}]`, item, got[i]));
  }
  return [`${path}: expected ${short(want)}, got ${short(got)}`];
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON with sorted keys, so key order never makes two rows differ. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isPlainObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

function short(value: unknown): string {
  const text = stable(value) ?? 'undefined';
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** A stand-in for VAPI's recording storage: answers every GET with the same small WAV. */
export interface FakeStorage {
  /** Use as the workload's `storageOrigin`. */
  origin: string;
  /** GETs served so far. */
  requests: () => number;
  close: () => Promise<void>;
}

/** Starts a fake recording store on a free loopback port. */
export async function startFakeStorage(bytes = 16 * 1024): Promise<FakeStorage> {
  // A fixed, deterministic body: two runs must store the same size and hash.
  const body = Buffer.alloc(bytes);
  createHash('sha256').update('fake recording').digest().copy(body);
  let served = 0;
  const server: Server = createServer((req, res) => {
    served += 1;
    req.resume();
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
