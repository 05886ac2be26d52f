import { RECONNECT_GRACE_MS } from '../../apps/worker/src/health/worker-shutdown.service';
import { Delivery, deliverAll } from '../helpers/load';
import { PipelineSnapshot } from '../helpers/pipeline';
import { sleep } from '../helpers/processes';
import { WorkloadEvent } from '../helpers/workload';
import { Drill, expectNothingLostNothingDoubled, referenceSnapshot, settle } from './harness';

const CALLS = 20;
/** Start-up, scheduling and connection slack on top of the reconnect grace. */
const SLACK_MS = 10_000;

describe('drill 9: SIGTERM to a worker whose Redis connection was reset', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    // Only the worker goes through the proxy: the api keeps accepting while the worker is cut off.
    drill = await Drill.start({ name: 'worker-close-after-reset', redisProxyFor: ['worker'] });
  });
  afterAll(async () => drill?.dispose());

  it('exits within a bound while Redis stays away, and a new worker applies everything', async () => {
    const proxy = drill.redisProxy;
    const worker = drill.worker;
    if (proxy === undefined || worker === undefined) throw new Error('no proxy or worker');
    const events = drill.workload(CALLS);
    const half = events.filter((e) => e.callIndex < CALLS / 2);
    const rest = events.filter((e) => e.callIndex >= CALLS / 2);
    const send = (items: WorkloadEvent[]): Promise<Delivery<WorkloadEvent>[]> =>
      deliverAll(drill.client, items, {
        concurrency: 8,
        hmacSecret: drill.hmacSecret,
        retry: { attempts: 40, delayMs: 250 },
      });

    const first = await send(half);
    await drill.drain();
    // The reset: every connection of the worker dropped, and Redis stays unreachable for it.
    proxy.cut('reset');
    const during = send(rest);
    await sleep(1000);
    const at = Date.now();
    worker.signal('SIGTERM');
    const exit = await worker.waitForExit(RECONNECT_GRACE_MS + SLACK_MS);
    const closeMs = Date.now() - at;

    proxy.restore();
    await drill.startWorker();
    const deliveries = [...first, ...(await during)];
    const outcome = await settle(drill, deliveries, reference);
    drill.report({ closeMs, exit, ...outcome.exactlyOnce, queues: outcome.queues });

    // Exited by itself (Nest re-raises SIGTERM after its hooks), not killed by the harness.
    expect([0, 'SIGTERM']).toContain(exit.code ?? exit.signal);
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expectNothingLostNothingDoubled(outcome);
  });
});
