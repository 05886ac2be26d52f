import { randomBytes } from 'node:crypto';
import { WEBHOOK_PATH, hmacHeaders, quantile } from '../test/helpers/load';
import {
  FIXTURE_CALL_ID,
  largeEndOfCallReportTemplate,
  smallStatusUpdateTemplate,
} from '../test/helpers/workload';
import { ClosedLoopRequest, closedLoop } from './closed-loop';
import { BenchStack } from './stack';
import { CpuMeter, CpuSplit, Spread, log, spread } from './stats';

/** One measured run against one target. */
export interface IntakeRun {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpu: CpuSplit;
}

/** Product and reference for one body size. */
export interface IntakeResult {
  scenario: string;
  bodyBytes: number;
  connections: number;
  seconds: number;
  product: { rps: Spread; p50: Spread; p99: Spread; runs: IntakeRun[] };
  reference: { rps: Spread; p50: Spread; p99: Spread; runs: IntakeRun[] };
  /** Median product req/s ÷ median reference req/s. */
  ratio: number;
}

/** Knobs of the intake phase. */
export interface IntakeOptions {
  repeats: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
}

/**
 * Signed requests whose body has a fresh call id each (so every request is a new job, not a
 * deduplicated one), built by splicing the id into the template's bytes.
 */
function requestFactory(template: string, secret: string): () => ClosedLoopRequest {
  const parts = template.split(FIXTURE_CALL_ID).map((part) => Buffer.from(part));
  const tag = randomBytes(4).toString('hex');
  let counter = 0;
  return () => {
    counter += 1;
    const id = Buffer.from(`${tag}-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`);
    const pieces: Buffer[] = [];
    parts.forEach((part, i) => {
      if (i > 0) pieces.push(id);
      pieces.push(part);
    });
    const body = Buffer.concat(pieces);
    return { body, headers: hmacHeaders(body, secret) };
  };
}

async function run(
  stack: BenchStack,
  target: 'product' | 'reference',
  next: () => ClosedLoopRequest,
  seconds: number,
  connections: number,
): Promise<IntakeRun> {
  const meter = new CpuMeter(() => ({
    api: stack.api?.running ? [stack.api.pid] : [],
    reference: stack.reference?.running ? [stack.reference.pid] : [],
  }));
  meter.start();
  const result = await closedLoop({
    port: target === 'product' ? stack.apiPort : stack.referencePort,
    path: WEBHOOK_PATH,
    connections,
    durationMs: seconds * 1000,
    next,
  });
  const cpu = meter.stop();
  // Every run adds thousands of jobs; start the next one from empty queues.
  await stack.clearQueues();
  const latencies = Array.from(result.latencies);
  return {
    rps: result.rps,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors: result.errors,
    non2xx: result.non2xx,
    cpu,
  };
}

const summarise = (runs: IntakeRun[]) => ({
  rps: spread(runs.map((r) => r.rps)),
  p50: spread(runs.map((r) => r.p50)),
  p99: spread(runs.map((r) => r.p99)),
  runs,
});

/**
 * Requests/s and ack latency of the product's intake and of the reference server, for a small
 * status update and a ~100 KB end-of-call report, at a fixed number of connections. Runs of the
 * two alternate, so slow drift of the machine affects both alike. Expects the api and the
 * reference server running, and no worker.
 */
export async function benchIntake(
  stack: BenchStack,
  options: IntakeOptions,
): Promise<IntakeResult[]> {
  const scenarios = [
    { scenario: 'small status-update', template: smallStatusUpdateTemplate() },
    { scenario: 'large end-of-call-report', template: largeEndOfCallReportTemplate(100 * 1024) },
  ];
  const results: IntakeResult[] = [];
  for (const { scenario, template } of scenarios) {
    const next = requestFactory(template, stack.hmacSecret);
    log(`intake: ${scenario} (${template.length} bytes), warming up`);
    for (const target of ['product', 'reference'] as const) {
      await run(stack, target, next, options.warmupSeconds, options.connections);
    }
    const runs: Record<'product' | 'reference', IntakeRun[]> = { product: [], reference: [] };
    for (let i = 0; i < options.repeats; i += 1) {
      for (const target of ['product', 'reference'] as const) {
        const r = await run(stack, target, next, options.seconds, options.connections);
        runs[target].push(r);
        log(
          `intake: ${scenario} ${target} #${i + 1}: ${Math.round(r.rps)} req/s, ` +
            `p99 ${r.p99.toFixed(1)} ms, non-2xx ${r.non2xx}, connection errors ${r.errors}`,
        );
      }
    }
    const product = summarise(runs.product);
    const reference = summarise(runs.reference);
    results.push({
      scenario,
      bodyBytes: Buffer.byteLength(template),
      connections: options.connections,
      seconds: options.seconds,
      product,
      reference,
      ratio: product.rps.median / reference.rps.median,
    });
  }
  return results;
}
