import { Job, Worker } from 'bullmq';
import { createServer } from 'node:http';
import { DataSource } from 'typeorm';

/**
 * The bench's reference for worker persistence: a minimal BullMQ worker that consumes the
 * product's own call-event jobs and writes each one as a single upsert into a scratch table,
 * micro-batched (jobs that arrive together share one INSERT … ON CONFLICT). It stores what the
 * product's event log stores, but skips everything else the product does per event (call row,
 * transcript, recordings, follow-up jobs), so it is an upper bound for "one write per job".
 *
 * Runs as its own process: `node dist/bench/bench/reference-worker.js` with DATABASE_URL,
 * REDIS_URL, QUEUE_PREFIX, WORKER_HEALTH_PORT, and optionally CONCURRENCY (128), BATCH_SIZE
 * (100), LINGER_MS (2). The table `bench_reference_events` is created by the bench.
 */

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

interface EventJob {
  payload: {
    message?: { type?: unknown; timestamp?: unknown; call?: { id?: unknown } };
    type?: unknown;
    call?: { id?: unknown };
  };
  dedupKey: string;
  receivedAt: string;
}

/** The few fields the reference stores besides the payload, read straight off the body. */
function fieldsOf(job: EventJob): [string | null, string, string | null] {
  const message = job.payload.message ?? job.payload;
  const callId = typeof message.call?.id === 'string' ? message.call.id : null;
  const type = typeof message.type === 'string' ? message.type : 'unknown';
  const ts = (message as { timestamp?: unknown }).timestamp;
  const occurredAt = typeof ts === 'number' ? new Date(ts).toISOString() : null;
  return [callId, type, occurredAt];
}

async function main(): Promise<void> {
  const batchSize = Number(env('BATCH_SIZE', '100'));
  const lingerMs = Number(env('LINGER_MS', '2'));
  const db = new DataSource({ type: 'postgres', url: env('DATABASE_URL'), extra: { max: 10 } });
  await db.initialize();

  let pending: { job: EventJob; done: (error?: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    const params: unknown[] = [];
    const rows = batch.map(({ job }, i) => {
      const [callId, type, occurredAt] = fieldsOf(job);
      params.push(
        job.dedupKey,
        callId,
        type,
        type,
        occurredAt,
        job.receivedAt,
        JSON.stringify(job.payload),
      );
      const p = i * 7;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}::jsonb)`;
    });
    db.query(
      `INSERT INTO bench_reference_events
         (dedup_key, call_id, kind, message_type, occurred_at, received_at, payload)
       VALUES ${rows.join(', ')}
       ON CONFLICT (dedup_key) DO UPDATE SET payload = EXCLUDED.payload`,
      params,
    ).then(
      () => batch.forEach((b) => b.done()),
      (error: unknown) =>
        batch.forEach((b) => b.done(error instanceof Error ? error : new Error(String(error)))),
    );
  };

  // Two copies of one event in a batch would make ON CONFLICT DO UPDATE fail; job ids are the
  // dedup keys, so BullMQ never hands out two at once.
  const worker = new Worker<EventJob>(
    'call-events',
    (job: Job<EventJob>) =>
      new Promise<void>((resolve, reject) => {
        pending.push({
          job: job.data,
          done: (error) => (error ? reject(error) : resolve()),
        });
        if (pending.length >= batchSize) flush();
        else timer ??= setTimeout(flush, lingerMs);
      }),
    {
      connection: { url: env('REDIS_URL'), maxRetriesPerRequest: null },
      prefix: env('QUEUE_PREFIX'),
      concurrency: Number(env('CONCURRENCY', '128')),
      removeOnComplete: { count: 10_000 },
    },
  );
  worker.on('error', (error) => console.error(error.message));

  const health = createServer((_req, res) => res.end('ok'));
  health.listen(Number(env('WORKER_HEALTH_PORT')), '127.0.0.1');

  const shutdown = (): void => {
    void worker
      .close()
      .then(() => db.destroy())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
