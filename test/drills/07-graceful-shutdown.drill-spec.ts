import { deliverAll } from '../helpers/load';
import { PipelineSnapshot, queueCounts } from '../helpers/pipeline';
import { ExitInfo, sleep } from '../helpers/processes';
import {
  Drill,
  REDIS_URL,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

const CALLS = 60;

describe('drill 7: SIGTERM to the api and the worker under load', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    drill = await Drill.start({ name: 'graceful-shutdown' });
  });
  afterAll(async () => drill?.dispose());

  it('lets in-flight work finish and loses nothing', async () => {
    const events = drill.workload(CALLS);
    const api = drill.api;
    const worker = drill.worker;
    if (api === undefined || worker === undefined) throw new Error('apps not started');

    const stops: Record<string, { exit: ExitInfo; ms: number; leftActive?: number }> = {};
    const terminate = async (name: 'api' | 'worker'): Promise<void> => {
      const proc = name === 'api' ? api : worker;
      const from = Date.now();
      proc.signal('SIGTERM');
      const exit = await proc.waitForExit(30_000);
      const counts = name === 'worker' ? await queueCounts(REDIS_URL, drill.prefix) : undefined;
      stops[name] = { exit, ms: Date.now() - from, leftActive: counts?.['call-events'].active };
      if (name === 'api') await drill.startApi();
      else await drill.startWorker();
    };
    const faults = (async () => {
      await sleep(800);
      await terminate('api');
      await sleep(500);
      await terminate('worker');
    })();
    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 8,
      minIntervalMs: 20,
      hmacSecret: drill.hmacSecret,
      // The sender retries what the stopping (or restarting) api did not acknowledge.
      retry: { attempts: 80, delayMs: 250 },
    });
    await faults;
    const outcome = await settle(drill, deliveries, reference);

    drill.report({
      events: events.length,
      statuses: statusCounts(deliveries),
      stops,
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    // Graceful: both exit by themselves with status 0, the worker leaving no job half-done.
    expect(stops.api.exit).toEqual({ code: 0, signal: null });
    expect(stops.worker.exit).toEqual({ code: 0, signal: null });
    expect(stops.worker.leftActive).toBe(0);
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expectNothingLostNothingDoubled(outcome);
  });
});
