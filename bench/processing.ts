import { DataSource } from 'typeorm';
import { WorkloadEvent, eventStream } from '../test/helpers/workload';
import { openLoop, quantile } from '../test/helpers/load';
import { sleep } from '../test/helpers/processes';
import { BenchStack } from './stack';
import { CpuMeter, CpuSplit, Spread, log, spread } from './stats';

/**
 * Watches `call_events` for newly committed rows and records, for each, how long after the api
 * received it the row became visible (receipt → commit). The schema has no commit timestamp, so
 * rows are discovered by polling every `pollMs`: a latency is over-stated by up to one interval.
 */
class CommitWatcher {
  /** Receipt → visible, ms, per row. */
  readonly latencies: number[] = [];
  /** When each row was first seen (epoch ms). */
  readonly seenAt: number[] = [];
  private readonly seen = new Set<number>();
  private maxId = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly pollMs = 50,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  get count(): number {
    return this.seen.size;
  }

  private async run(): Promise<void> {
    let polls = 0;
    while (this.running) {
      // New ids each poll; every 20th poll looks back too, for transactions that took an id
      // early and committed late.
      const from = polls % 20 === 0 ? Math.max(0, this.maxId - 5000) : this.maxId;
      const rows = await this.db.query<{ id: string; received_at: Date }[]>(
        'SELECT id, received_at FROM call_events WHERE id > $1',
        [from],
      );
      const now = Date.now();
      for (const row of rows) {
        const id = Number(row.id);
        if (this.seen.has(id)) continue;
        this.seen.add(id);
        this.maxId = Math.max(this.maxId, id);
        this.latencies.push(now - row.received_at.getTime());
        this.seenAt.push(now);
      }
      polls += 1;
      await sleep(this.pollMs);
    }
  }

  /** Waits until `rows` rows have been seen; returns how long that took (ms). */
  async waitFor(rows: number, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (this.count < rows) {
      if (Date.now() - started > timeoutMs) break;
      await sleep(this.pollMs);
    }
    return Date.now() - started;
  }
}

/**
 * How long a run waits for the worker to commit its backlog once the load stops. A product that
 * cannot keep up would otherwise stretch the bench by minutes; what is left is reported.
 */
const CATCH_UP_LIMIT_MS = 60_000;

/** One fixed-rate run through api and worker. */
export interface EndToEndRun {
  offered: number;
  sent: number;
  /** Requests the generator could not send (more than its in-flight cap were unanswered). */
  dropped: number;
  non200: number;
  ackP50: number;
  ackP99: number;
  commitP50: number;
  commitP99: number;
  /** Rows committed while the load ran, per second. */
  persistedPerSecond: number;
  /** Acknowledged events not yet committed when the load stopped. */
  backlogAtEnd: number;
  /** Time after the load stopped until every acknowledged event was committed (capped). */
  catchUpSeconds: number;
  /** Acknowledged events still not committed when the catch-up wait gave up (then discarded). */
  uncommitted: number;
  cpu: CpuSplit;
}

/** Fixed-rate end-to-end runs, summarised. */
export interface EndToEndResult {
  rate: number;
  seconds: number;
  openCalls: number;
  runs: EndToEndRun[];
  ackP50: Spread;
  ackP99: Spread;
  commitP50: Spread;
  commitP99: Spread;
  persistedPerSecond: Spread;
}

/** Shared by the e2e runs and the soak: a stream of realistic events for many open calls. */
function stream(stack: BenchStack, first: number, openCalls: number): () => Buffer {
  const events = eventStream({ first, openCalls, storageOrigin: stack.storage.origin });
  return () => (events.next().value as WorkloadEvent).body;
}

async function endToEndRun(
  stack: BenchStack,
  options: { rate: number; seconds: number; openCalls: number; first: number },
): Promise<EndToEndRun> {
  // Each run starts from empty tables and queues, with a fresh worker.
  await stack.worker?.stop();
  await stack.clearQueues();
  await stack.truncate();
  await stack.startWorker();
  const client = stack.client('product', 512);
  const watcher = new CommitWatcher(stack.db);
  const meter = new CpuMeter(() => ({
    api: stack.api?.running ? [stack.api.pid] : [],
    worker: stack.worker?.running ? [stack.worker.pid] : [],
  }));
  watcher.start();
  meter.start();
  const started = Date.now();
  const load = await openLoop({
    client,
    rate: options.rate,
    durationMs: options.seconds * 1000,
    next: stream(stack, options.first, options.openCalls),
    hmacSecret: stack.hmacSecret,
    maxInFlight: 2000,
  });
  const cpu = meter.stop();
  const ended = Date.now();
  client.close();
  const acked = load.statuses.get(200) ?? 0;
  const committedAtEnd = watcher.seenAt.filter((t) => t <= ended).length;
  const catchUpMs = await watcher.waitFor(acked, CATCH_UP_LIMIT_MS);
  await watcher.stop();
  const committedDuringLoad = watcher.seenAt.filter((t) => t >= started && t <= ended).length;
  return {
    offered: options.rate,
    sent: load.sent,
    dropped: load.dropped,
    non200: load.sent - acked,
    ackP50: quantile(load.latencies, 0.5),
    ackP99: quantile(load.latencies, 0.99),
    commitP50: quantile(watcher.latencies, 0.5),
    commitP99: quantile(watcher.latencies, 0.99),
    persistedPerSecond: committedDuringLoad / ((ended - started) / 1000),
    backlogAtEnd: acked - committedAtEnd,
    catchUpSeconds: catchUpMs / 1000,
    uncommitted: Math.max(0, acked - watcher.count),
    cpu,
  };
}

/**
 * End to end at a fixed offered load: the realistic mix POSTed to the api (open loop, latency
 * measured from each request's due time), the worker running, rows watched in Postgres.
 * Expects the api and the worker running.
 */
export async function benchEndToEnd(
  stack: BenchStack,
  options: { rate: number; seconds: number; repeats: number; openCalls: number },
): Promise<EndToEndResult> {
  // Unmeasured warm-up (JIT, connection pools, 512 client sockets) at a quarter of the rate.
  log('e2e: warming up');
  const client = stack.client('product', 512);
  await openLoop({
    client,
    rate: Math.max(50, Math.round(options.rate / 4)),
    durationMs: 5000,
    next: stream(stack, 9_000_000, options.openCalls),
    hmacSecret: stack.hmacSecret,
    maxInFlight: 2000,
  });
  client.close();
  const runs: EndToEndRun[] = [];
  for (let i = 0; i < options.repeats; i += 1) {
    const r = await endToEndRun(stack, { ...options, first: 10_000_000 + i * 1_000_000 });
    runs.push(r);
    log(
      `e2e: #${i + 1} at ${options.rate}/s: ack p99 ${r.ackP99.toFixed(1)} ms, commit p99 ${r.commitP99} ms, ` +
        `persisted ${Math.round(r.persistedPerSecond)}/s, backlog ${r.backlogAtEnd}, catch-up ${r.catchUpSeconds.toFixed(1)} s` +
        (r.uncommitted > 0 ? `, ${r.uncommitted} never committed` : ''),
    );
  }
  return {
    rate: options.rate,
    seconds: options.seconds,
    openCalls: options.openCalls,
    runs,
    ackP50: spread(runs.map((r) => r.ackP50)),
    ackP99: spread(runs.map((r) => r.ackP99)),
    commitP50: spread(runs.map((r) => r.commitP50)),
    commitP99: spread(runs.map((r) => r.commitP99)),
    persistedPerSecond: spread(runs.map((r) => r.persistedPerSecond)),
  };
}

/** RSS of one process over the soak. */
export interface RssSeries {
  /** [seconds since start, MB]. */
  samples: [number, number][];
  /** Mean over the warm window (a fifth to two fifths into the run). */
  baselineMb: number;
  /** Mean over the last fifth of the run. */
  endMb: number;
  maxMb: number;
  /** (end − baseline) / baseline. */
  growth: number;
}

/** A sustained run with RSS sampling. */
export interface SoakResult {
  rate: number;
  seconds: number;
  sent: number;
  non200: number;
  ackP99: number;
  api: RssSeries;
  worker: RssSeries;
  backlogAtEnd: number;
}

/**
 * Soak: fresh api and worker, the same mix at a sustained rate for `seconds`, RSS of both
 * sampled every `sampleSeconds`. Growth compares the mean RSS of the last fifth of the run with
 * that of a warm window (a fifth to two fifths in): start-up allocation (JIT, pools, caches)
 * does not count as a leak, and averaging keeps the heap's sawtooth from deciding the figure.
 */
export async function benchSoak(
  stack: BenchStack,
  options: { rate: number; seconds: number; openCalls: number; sampleSeconds: number },
): Promise<SoakResult> {
  // Fresh processes on empty tables and queues: an e2e run may have left a backlog behind.
  await stack.api?.stop();
  await stack.worker?.stop();
  await stack.clearQueues();
  await stack.truncate();
  const api = await stack.startApi();
  const worker = await stack.startWorker();
  const samples: { t: number; api: number; worker: number }[] = [];
  const started = Date.now();
  const mb = (bytes: number | undefined): number =>
    Math.round(((bytes ?? 0) / 1024 / 1024) * 10) / 10;
  const take = (): void => {
    samples.push({
      t: Math.round((Date.now() - started) / 1000),
      api: mb(api.stats()?.rssBytes),
      worker: mb(worker.stats()?.rssBytes),
    });
  };
  take();
  const sampler = setInterval(() => {
    take();
    const last = samples[samples.length - 1];
    if (last.t % 60 === 0)
      log(`soak: ${last.t} s, rss api ${last.api} MB, worker ${last.worker} MB`);
  }, options.sampleSeconds * 1000);
  const watcher = new CommitWatcher(stack.db, 250);
  watcher.start();
  const client = stack.client('product', 512);
  const load = await openLoop({
    client,
    rate: options.rate,
    durationMs: options.seconds * 1000,
    next: stream(stack, 50_000_000, options.openCalls),
    hmacSecret: stack.hmacSecret,
    maxInFlight: 2000,
  });
  clearInterval(sampler);
  take();
  client.close();
  const acked = load.statuses.get(200) ?? 0;
  const backlogAtEnd = acked - watcher.count;
  await watcher.stop();
  const series = (pick: (s: { api: number; worker: number }) => number): RssSeries => {
    const mean = (from: number, to: number): number => {
      const window = samples.filter((s) => s.t >= from && s.t <= to).map(pick);
      const values = window.length > 0 ? window : [pick(samples[samples.length - 1])];
      return Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 10) / 10;
    };
    const baselineMb = mean(options.seconds / 5, (2 * options.seconds) / 5);
    const endMb = mean((4 * options.seconds) / 5, Number.POSITIVE_INFINITY);
    return {
      samples: samples.map((s) => [s.t, pick(s)]),
      baselineMb,
      endMb,
      maxMb: Math.max(...samples.map(pick)),
      growth: (endMb - baselineMb) / baselineMb,
    };
  };
  return {
    rate: options.rate,
    seconds: options.seconds,
    sent: load.sent,
    non200: load.sent - acked,
    ackP99: quantile(load.latencies, 0.99),
    api: series((s) => s.api),
    worker: series((s) => s.worker),
    backlogAtEnd,
  };
}
