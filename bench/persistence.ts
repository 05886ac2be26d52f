import { JobsOptions, Queue } from 'bullmq';
import { deliverAll } from '../test/helpers/load';
import { sleep } from '../test/helpers/processes';
import { WorkloadEvent, eventStream } from '../test/helpers/workload';
import { BenchStack, REDIS_URL } from './stack';
import { CpuMeter, CpuSplit, Spread, log, spread } from './stats';

/**
 * `QueueName.CallEvents`, spelled out: the bench is compiled on its own, without the `@app/*`
 * path aliases the queue library's constants now import through.
 */
const CALL_EVENTS_QUEUE = 'call-events';

/** A job as the api enqueued it, to be replayed into an empty queue before each run. */
interface StoredJob {
  name: string;
  data: unknown;
  opts: JobsOptions;
}

/** One drain of a pre-filled queue. */
export interface DrainRun {
  jobsPerSecond: number;
  seconds: number;
  cpu: CpuSplit;
}

/** The product's worker against the batched-upsert reference, on the same jobs. */
export interface PersistenceResult {
  jobs: number;
  product: { jobsPerSecond: Spread; runs: DrainRun[] };
  reference: { jobsPerSecond: Spread; runs: DrainRun[] };
  ratio: number;
}

/**
 * Has the api enqueue `count` events of the realistic mix (no worker running) and keeps the
 * resulting jobs, so both workers later drain exactly what the api produces.
 */
async function recordJobs(
  stack: BenchStack,
  count: number,
  openCalls: number,
): Promise<StoredJob[]> {
  const stream = eventStream({ first: 5_000_000, openCalls, storageOrigin: stack.storage.origin });
  const events: WorkloadEvent[] = Array.from(
    { length: count },
    () => stream.next().value as WorkloadEvent,
  );
  const client = stack.client('product', 64);
  const deliveries = await deliverAll(client, events, {
    concurrency: 64,
    hmacSecret: stack.hmacSecret,
  });
  client.close();
  const rejected = deliveries.filter((d) => !d.acknowledged).length;
  if (rejected > 0) throw new Error(`pre-fill: ${rejected} events were not acknowledged`);
  const queue = new Queue(CALL_EVENTS_QUEUE, {
    connection: { url: REDIS_URL },
    prefix: stack.prefix,
  });
  try {
    const jobs = await queue.getJobs(['waiting'], 0, -1, true);
    return jobs.map((job) => ({
      name: job.name,
      data: job.data as unknown,
      opts: { ...job.opts, jobId: job.id },
    }));
  } finally {
    await queue.close();
  }
}

async function fill(prefix: string, jobs: StoredJob[]): Promise<void> {
  const queue = new Queue(CALL_EVENTS_QUEUE, { connection: { url: REDIS_URL }, prefix });
  try {
    for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500));
  } finally {
    await queue.close();
  }
}

/**
 * Fills the queue with `jobs`, starts the worker and measures from its first committed row to
 * its last, so start-up time is not counted.
 */
async function drainRun(
  stack: BenchStack,
  target: 'product' | 'reference',
  jobs: StoredJob[],
): Promise<DrainRun> {
  await stack.truncate();
  await stack.clearQueues();
  await fill(target === 'product' ? stack.prefix : stack.referencePrefix, jobs);
  const table = target === 'product' ? 'call_events' : 'bench_reference_events';
  const worker =
    target === 'product' ? await stack.startWorker() : await stack.startReferenceWorker();
  const meter = new CpuMeter(() => ({ worker: worker.running ? [worker.pid] : [] }));
  const count = async (): Promise<number> =>
    Number((await stack.db.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`))[0].n);
  let first: { at: number; rows: number } | undefined;
  const deadline = Date.now() + 15 * 60_000;
  let rows = 0;
  while (rows < jobs.length) {
    if (Date.now() > deadline)
      throw new Error(`${target} worker stalled at ${rows}/${jobs.length} rows`);
    rows = await count();
    if (first === undefined && rows > 0) {
      first = { at: Date.now(), rows };
      meter.start();
    }
    await sleep(50);
  }
  const end = Date.now();
  const cpu = meter.stop();
  await worker.stop();
  const started = first ?? { at: end, rows: 0 };
  const seconds = (end - started.at) / 1000;
  return { jobsPerSecond: (rows - started.rows) / seconds, seconds, cpu };
}

/**
 * Worker persistence: jobs/s drained from a pre-filled queue by the product's worker and by a
 * minimal worker doing micro-batched upserts (bench/reference-worker.ts), alternating.
 * Expects the api running (it produces the jobs once) and no worker.
 */
export async function benchPersistence(
  stack: BenchStack,
  options: { jobs: number; repeats: number; openCalls: number },
): Promise<PersistenceResult> {
  log(`persistence: recording ${options.jobs} jobs through the api`);
  const jobs = await recordJobs(stack, options.jobs, options.openCalls);
  const runs: Record<'product' | 'reference', DrainRun[]> = { product: [], reference: [] };
  for (let i = 0; i < options.repeats; i += 1) {
    for (const target of ['product', 'reference'] as const) {
      const r = await drainRun(stack, target, jobs);
      runs[target].push(r);
      log(`persistence: ${target} #${i + 1}: ${Math.round(r.jobsPerSecond)} jobs/s`);
    }
  }
  await stack.truncate();
  await stack.clearQueues();
  const product = {
    jobsPerSecond: spread(runs.product.map((r) => r.jobsPerSecond)),
    runs: runs.product,
  };
  const reference = {
    jobsPerSecond: spread(runs.reference.map((r) => r.jobsPerSecond)),
    runs: runs.reference,
  };
  return {
    jobs: jobs.length,
    product,
    reference,
    ratio: product.jobsPerSecond.median / reference.jobsPerSecond.median,
  };
}
