import { deliverAll } from '../helpers/load';
import { PipelineSnapshot, queueCounts } from '../helpers/pipeline';
import { sleep } from '../helpers/processes';
import {
  Drill,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

const CALLS = 30;

describe('drill 3: a worker killed with SIGKILL mid-processing', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    drill = await Drill.start({ name: 'worker-sigkill' });
  });
  afterAll(async () => drill?.dispose());

  it('ends, after a restart, with the rows of a clean run', async () => {
    const events = drill.workload(CALLS);
    const victim = drill.worker;
    if (victim === undefined) throw new Error('worker not started');

    // Kill once about a quarter of the events are committed: the worker is busy with a backlog.
    const killed = (async () => {
      for (;;) {
        const [{ n }] = await drill.db.query<{ n: string }[]>(
          'SELECT count(*) AS n FROM call_events',
        );
        if (Number(n) >= events.length / 4) break;
        await sleep(10);
      }
      victim.signal('SIGKILL');
      const exit = await victim.waitForExit(5000);
      const [{ n }] = await drill.db.query<{ n: string }[]>(
        'SELECT count(*) AS n FROM call_events',
      );
      const counts = await queueCounts(drill.queueStore, drill.prefix);
      return { exit, committedAtKill: Number(n), leftActive: counts['call-events'].active };
    })();

    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 32,
      hmacSecret: drill.hmacSecret,
    });
    const kill = await killed;
    const restartedAt = Date.now();
    await drill.startWorker();
    // Jobs the dead worker held become stalled only when their lock expires (30 s by default).
    const outcome = await settle(drill, deliveries, reference, 150_000);

    drill.report({
      events: events.length,
      statuses: statusCounts(deliveries),
      killSignal: kill.exit.signal,
      committedAtKill: kill.committedAtKill,
      jobsLeftActiveByKill: kill.leftActive,
      recoverySeconds: Math.round((Date.now() - restartedAt) / 1000),
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    expect(kill.exit.signal).toBe('SIGKILL');
    expect(kill.committedAtKill).toBeLessThan(events.length);
    expect(kill.leftActive).toBeGreaterThan(0);
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expectNothingLostNothingDoubled(outcome);
  });
});
