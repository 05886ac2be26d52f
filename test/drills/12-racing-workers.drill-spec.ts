import { deliverAll } from '../helpers/load';
import { sample } from '../helpers/metrics';
import { PipelineSnapshot } from '../helpers/pipeline';
import { ManagedProcess, freePort, startApp } from '../helpers/processes';
import { shuffle } from '../helpers/workload';
import {
  Drill,
  REFERENCE_CALLS,
  dedupKeyOf,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

/** Call-event jobs a worker process has finished, from its own metrics. */
async function eventJobsDone(healthPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
  return sample(text, 'vapi_job_duration_seconds_count', { queue: 'call-events' }) ?? 0;
}

describe('drill 12: two workers racing on the same calls, in batches', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;
  let second: ManagedProcess | undefined;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    drill = await Drill.start({ name: 'racing-workers', worker: false });
  });
  afterAll(async () => {
    await second?.stop(5000);
    await drill?.dispose();
  });

  it('ends with the rows of in-order delivery, each event applied once, both workers busy', async () => {
    // Every event twice, shuffled, all queued before either worker starts: both then fetch
    // from one backlog, so their batches hold events of the same calls at the same time.
    const workload = drill.workload(REFERENCE_CALLS);
    const events = shuffle([...workload, ...workload], 20261203);
    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 32,
      hmacSecret: drill.hmacSecret,
    });
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);

    const secondPort = await freePort();
    const [first] = await Promise.all([
      drill.startWorker(),
      startApp(
        'worker',
        { ...drill.envFor('worker'), WORKER_HEALTH_PORT: String(secondPort) },
        { logDir: drill.logDir, name: 'worker-b' },
      ).then((p) => (second = p)),
    ]);
    const outcome = await settle(drill, deliveries, reference);
    const done = [await eventJobsDone(drill.workerHealthPort), await eventJobsDone(secondPort)];

    drill.report({
      events: events.length,
      statuses: statusCounts(deliveries),
      calls: outcome.calls,
      jobsPerWorker: done,
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    expect(first.running && second!.running).toBe(true);
    expect(done[0]).toBeGreaterThan(0);
    expect(done[1]).toBeGreaterThan(0);
    // One job per distinct event (a duplicate delivery reuses its job id), each run at least once.
    const distinct = new Set(workload.map((e) => dedupKeyOf(e.body))).size;
    expect(done[0] + done[1]).toBeGreaterThanOrEqual(distinct);
    expect(outcome.calls).toBe(REFERENCE_CALLS);
    expectNothingLostNothingDoubled(outcome);
  });
});
