import { deliverAll } from '../helpers/load';
import { sample } from '../helpers/metrics';
import { PipelineSnapshot } from '../helpers/pipeline';
import { sleep } from '../helpers/processes';
import { OutageMode, TcpProxy } from '../helpers/tcp-proxy';
import {
  Drill,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

const CALLS = 30;
const ENQUEUE_TIMEOUT_MS = 1000;
const OUTBOX_TIMEOUT_MS = 1000;
/** Scheduling and connection slack on top of the configured bounds. */
const SLACK_MS = 750;

/**
 * Redis away at intake. VAPI retries nothing without a backoff plan, so every event must be
 * acknowledged on its first delivery while Postgres can keep it (the outbox), and applied once
 * when Redis is back; only with Postgres away too may intake answer 503, within its bounds.
 */
describe('drill 1: Redis unreachable at intake', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    // Only the api goes through the proxies: the worker keeps its own connections.
    drill = await Drill.start({
      name: 'redis-outage',
      redisProxyFor: ['api'],
      postgresProxyFor: ['api'],
      env: {
        WEBHOOK_ENQUEUE_TIMEOUT_MS: String(ENQUEUE_TIMEOUT_MS),
        WEBHOOK_OUTBOX_TIMEOUT_MS: String(OUTBOX_TIMEOUT_MS),
        OUTBOX_RELAY_INTERVAL_MS: '500',
      },
    });
  });
  afterAll(async () => drill?.dispose());

  const proxies = (): { redis: TcpProxy; postgres: TcpProxy } => {
    if (drill.redisProxy === undefined || drill.postgresProxy === undefined) {
      throw new Error('no proxies');
    }
    return { redis: drill.redisProxy, postgres: drill.postgresProxy };
  };
  const outboxDepth = async (): Promise<number> => {
    const [row] = await drill.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM outbox');
    return row.n;
  };
  // The whole scrape (the drill client keeps only 4 KB of a body).
  const apiMetrics = async (): Promise<string> =>
    (await fetch(`http://127.0.0.1:${drill.apiPort}/metrics`)).text();

  it('acknowledges every event at once while Redis is cut (the outbox keeps them), applies each once after recovery, and empties the outbox', async () => {
    const { redis } = proxies();
    const events = drill.workload(CALLS);
    const outages: { mode: OutageMode; from: number; to: number }[] = [];
    let deepest = 0;
    const outage = async (mode: OutageMode, ms: number): Promise<void> => {
      const from = Date.now();
      redis.cut(mode);
      const end = Date.now() + ms;
      while (Date.now() < end) {
        deepest = Math.max(deepest, await outboxDepth());
        await sleep(250);
      }
      redis.restore();
      outages.push({ mode, from, to: Date.now() });
    };
    // Down (connections refused), then partitioned (connections hang), under steady traffic.
    const faults = (async () => {
      await sleep(1000);
      await outage('reset', 3000);
      await sleep(1500);
      await outage('blackhole', 3000);
    })();
    // No retries: as VAPI without a backoff plan, an event not acknowledged at once is lost.
    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 8,
      minIntervalMs: 60,
      hmacSecret: drill.hmacSecret,
    });
    await faults;

    // The relays (in the api) empty the outbox once Redis answers again.
    const deadline = Date.now() + 60_000;
    while ((await outboxDepth()) > 0 && Date.now() < deadline) await sleep(250);
    const left = await outboxDepth();
    const outcome = await settle(drill, deliveries, reference);
    const metrics = await apiMetrics();

    const attempts = deliveries.flatMap((d) => d.attempts);
    const written = sample(metrics, 'vapi_outbox_jobs_total', { event: 'written' }) ?? 0;
    const relayed = sample(metrics, 'vapi_outbox_jobs_total', { event: 'relayed' }) ?? 0;
    drill.report({
      events: events.length,
      attempts: attempts.length,
      statuses: statusCounts(deliveries),
      slowestMs: Math.round(Math.max(0, ...attempts.map((a) => a.latencyMs))),
      outagesMs: outages.map((o) => `${o.mode}:${o.to - o.from}`),
      outbox: { written, relayed, deepest, left },
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    expect(attempts.filter((a) => a.status !== 200)).toEqual([]);
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    // The outages did hit intake: events went through the outbox, and all of them came out.
    expect(written).toBeGreaterThan(0);
    expect(deepest).toBeGreaterThan(0);
    expect(relayed).toBeGreaterThan(0);
    expect(left).toBe(0);
    expect(drill.api?.running).toBe(true);
    expectNothingLostNothingDoubled(outcome);
  });

  it('answers 503 within the bounds only while Redis and Postgres are both cut', async () => {
    const { redis, postgres } = proxies();
    // Events of calls no other test uses, so the exactly-once check above is unaffected.
    const events = drill.workload(4, { namespace: 'b07bd0a1' }).slice(0, 12);
    const results = [];
    for (const mode of ['reset', 'blackhole'] as const) {
      redis.cut(mode);
      postgres.cut(mode);
      try {
        for (const event of events.slice(0, 6))
          results.push({ mode, ...(await drill.post(event.body)) });
      } finally {
        postgres.restore();
        redis.restore();
      }
      events.splice(0, 6);
    }
    const slowest = Math.max(...results.map((r) => r.latencyMs));
    drill.report({
      bothCut: results.map((r) => `${r.mode}:${r.status}:${Math.round(r.latencyMs)}ms`),
      slowest503Ms: Math.round(slowest),
    });
    expect(results.map((r) => r.status)).toEqual(results.map(() => 503));
    expect(slowest).toBeLessThan(ENQUEUE_TIMEOUT_MS + OUTBOX_TIMEOUT_MS + SLACK_MS);
    expect(drill.api?.running).toBe(true);
  });
});
