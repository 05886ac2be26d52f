import { Queue } from 'bullmq';
import { deliverAll } from '../helpers/load';
import { PipelineSnapshot } from '../helpers/pipeline';
import { sleep } from '../helpers/processes';
import { OutageMode } from '../helpers/tcp-proxy';
import {
  Drill,
  REDIS_URL,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

const CALLS = 40;

describe('drill 2: Postgres unreachable under load', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    drill = await Drill.start({ name: 'postgres-outage', postgresProxyFor: ['worker'] });
  });
  afterAll(async () => drill?.dispose());

  it('retries with backoff and applies every acknowledged event exactly once after recovery', async () => {
    const proxy = drill.postgresProxy;
    if (proxy === undefined) throw new Error('no Postgres proxy');
    const events = drill.workload(CALLS);
    const outages: string[] = [];
    const outage = async (mode: OutageMode, ms: number): Promise<void> => {
      const from = Date.now();
      proxy.cut(mode);
      await sleep(ms);
      proxy.restore();
      outages.push(`${mode}:${Date.now() - from}`);
    };
    const faults = (async () => {
      await sleep(1500);
      await outage('reset', 3000);
      await sleep(1000);
      await outage('blackhole', 2500);
    })();
    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 4,
      minIntervalMs: 40,
      hmacSecret: drill.hmacSecret,
    });
    await faults;
    const outcome = await settle(drill, deliveries, reference);

    const queue = new Queue('call-events', {
      connection: { url: REDIS_URL },
      prefix: drill.prefix,
    });
    const completed = await queue.getJobs(['completed'], 0, -1);
    await queue.close();
    const retried = completed.filter((job) => job.attemptsStarted > 1).length;
    drill.report({
      events: events.length,
      statuses: statusCounts(deliveries),
      outagesMs: outages,
      jobsRetried: retried,
      workerReconnects: proxy.accepted,
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expect(retried).toBeGreaterThan(0);
    expect(drill.worker?.running).toBe(true);
    expectNothingLostNothingDoubled(outcome);
  });
});
