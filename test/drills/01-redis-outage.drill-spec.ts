import { deliverAll } from '../helpers/load';
import { PipelineSnapshot } from '../helpers/pipeline';
import { sleep } from '../helpers/processes';
import { OutageMode } from '../helpers/tcp-proxy';
import {
  Drill,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

const CALLS = 30;
const ENQUEUE_TIMEOUT_MS = 1000;
/** Scheduling and connection slack on top of the configured bound. */
const SLACK_MS = 750;

describe('drill 1: Redis unreachable at intake', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    // Only the api goes through the proxy: the worker keeps its own connection to Redis.
    drill = await Drill.start({
      name: 'redis-outage',
      redisProxyFor: ['api'],
      env: { WEBHOOK_ENQUEUE_TIMEOUT_MS: String(ENQUEUE_TIMEOUT_MS) },
    });
  });
  afterAll(async () => drill?.dispose());

  it('answers 503 within the bound while Redis is away, and applies every acknowledged event once it is back', async () => {
    const proxy = drill.redisProxy;
    if (proxy === undefined) throw new Error('no Redis proxy');
    const events = drill.workload(CALLS);
    const outages: { mode: OutageMode; from: number; to: number }[] = [];
    const outage = async (mode: OutageMode, ms: number): Promise<void> => {
      const from = Date.now();
      proxy.cut(mode);
      await sleep(ms);
      proxy.restore();
      outages.push({ mode, from, to: Date.now() });
    };
    // Down (connections refused), then partitioned (connections hang), under steady traffic.
    const faults = (async () => {
      await sleep(1000);
      await outage('reset', 3000);
      await sleep(1500);
      await outage('blackhole', 3000);
    })();
    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 8,
      minIntervalMs: 60,
      hmacSecret: drill.hmacSecret,
      // VAPI's backoff plan: retry what was not acknowledged.
      retry: { attempts: 80, delayMs: 250 },
    });
    await faults;
    const outcome = await settle(drill, deliveries, reference);

    const attempts = deliveries.flatMap((d) => d.attempts);
    const unavailable = attempts.filter((a) => a.status === 503);
    const slowest503 = Math.max(0, ...unavailable.map((a) => a.latencyMs));
    drill.report({
      events: events.length,
      attempts: attempts.length,
      statuses: statusCounts(deliveries),
      slowest503Ms: Math.round(slowest503),
      outagesMs: outages.map((o) => `${o.mode}:${o.to - o.from}`),
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    expect(unavailable.length).toBeGreaterThan(0);
    expect(slowest503).toBeLessThan(ENQUEUE_TIMEOUT_MS + SLACK_MS);
    expect(attempts.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expect(drill.api?.running).toBe(true);
    expectNothingLostNothingDoubled(outcome);
  });
});
