import { Delivery, HttpClient, deliverAll } from '../helpers/load';
import { PipelineSnapshot, queueCounts } from '../helpers/pipeline';
import { ExitInfo, sleep } from '../helpers/processes';
import { WorkloadEvent } from '../helpers/workload';
import {
  Drill,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

/** Calls delivered at a steady pace throughout. */
const CALLS = 60;
/** Further calls whose events all arrive at once just before the api gets SIGTERM. */
const BURST_CALLS = 5;

describe('drill 7: SIGTERM to the api and the worker under load', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    drill = await Drill.start({ name: 'graceful-shutdown' });
  });
  afterAll(async () => drill?.dispose());

  it('lets in-flight work finish and loses nothing', async () => {
    const all = drill.workload(CALLS + BURST_CALLS);
    const events = all.filter((e) => e.callIndex < CALLS);
    const burstEvents = all.filter((e) => e.callIndex >= CALLS);
    const api = drill.api;
    const worker = drill.worker;
    if (api === undefined || worker === undefined) throw new Error('apps not started');

    interface Stop {
      exit: ExitInfo;
      at: number;
      ms: number;
      leftActive?: number;
      leftRetrying?: number;
    }
    const stops: Record<string, Stop> = {};
    const terminate = async (name: 'api' | 'worker'): Promise<void> => {
      const proc = name === 'api' ? api : worker;
      const at = Date.now();
      proc.signal('SIGTERM');
      const exit = await proc.waitForExit(30_000);
      const counts =
        name === 'worker' ? await queueCounts(drill.queueStore, drill.prefix) : undefined;
      stops[name] = {
        exit,
        at,
        ms: Date.now() - at,
        leftActive: counts?.['call-events'].active,
        // A job that failed because shutdown pulled its connections away waits here for a retry.
        leftRetrying: counts?.['call-events'].delayed,
      };
      if (name === 'api') await drill.startApi();
      else await drill.startWorker();
    };
    // The sender retries what the stopping (or restarting) api did not acknowledge.
    const retry = { attempts: 80, delayMs: 250 };
    // One socket per burst request, so none waits in the client's queue: all reach the api.
    const burstClient = new HttpClient(drill.client.baseUrl, burstEvents.length);
    let burst: Promise<Delivery<WorkloadEvent>[]> = Promise.resolve([]);
    const faults = (async () => {
      await sleep(800);
      burst = deliverAll(burstClient, burstEvents, {
        concurrency: burstEvents.length,
        hmacSecret: drill.hmacSecret,
        retry,
      });
      await sleep(30);
      await terminate('api');
      await sleep(500);
      await terminate('worker');
    })();
    const steady = await deliverAll(drill.client, events, {
      concurrency: 8,
      minIntervalMs: 20,
      hmacSecret: drill.hmacSecret,
      retry,
    });
    await faults;
    const deliveries = [...steady, ...(await burst)];
    burstClient.close();
    const outcome = await settle(drill, deliveries, reference);

    // Requests the api had surely received (sent 20 ms or more before the signal) and not yet
    // answered when SIGTERM arrived: each must still get its answer.
    const inFlight = deliveries
      .flatMap((d) => d.attempts)
      .filter((a) => a.startedAt <= stops.api.at - 20 && a.startedAt + a.latencyMs > stops.api.at);
    const inFlightOutcomes = statusCounts([{ item: null, acknowledged: true, attempts: inFlight }]);
    drill.report({
      events: events.length,
      statuses: statusCounts(deliveries),
      apiInFlightAtSigterm: inFlightOutcomes,
      stops,
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    // Graceful: each exits by itself (Nest re-raises SIGTERM once its shutdown hooks have run,
    // so "killed by SIGTERM" after a clean close is normal), in-flight requests are answered,
    // and the worker finishes its jobs: none left active (a worker that died would leave its
    // jobs locked) and none failed on the way out (they would wait, delayed, for a retry).
    for (const { exit } of [stops.api, stops.worker]) {
      expect([0, 'SIGTERM']).toContain(exit.code ?? exit.signal);
    }
    expect(inFlight.length).toBeGreaterThan(10);
    expect(inFlight.filter((a) => a.status === 0)).toEqual([]);
    expect(stops.worker.leftActive).toBe(0);
    expect(stops.worker.leftRetrying).toBe(0);
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expectNothingLostNothingDoubled(outcome);
  });
});
