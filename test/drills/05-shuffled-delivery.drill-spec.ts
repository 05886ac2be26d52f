import { deliverAll } from '../helpers/load';
import { PipelineSnapshot } from '../helpers/pipeline';
import { shuffle } from '../helpers/workload';
import {
  Drill,
  REFERENCE_CALLS,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

describe('drill 5: shuffled delivery of the events of 100 calls', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    drill = await Drill.start({ name: 'shuffled-delivery' });
  });
  afterAll(async () => drill?.dispose());

  it('ends with the same rows as in-order delivery', async () => {
    const events = shuffle(drill.workload(REFERENCE_CALLS), 20260312);
    // How shuffled it is: events sent before an earlier event of their own call.
    const highest = new Map<string, number>();
    let outOfOrder = 0;
    for (const event of events) {
      if (event.seq < (highest.get(event.callId) ?? -1)) outOfOrder += 1;
      highest.set(event.callId, Math.max(event.seq, highest.get(event.callId) ?? -1));
    }

    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 32,
      hmacSecret: drill.hmacSecret,
    });
    const outcome = await settle(drill, deliveries, reference);

    drill.report({
      events: events.length,
      outOfOrder,
      calls: outcome.calls,
      statuses: statusCounts(deliveries),
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    expect(outOfOrder).toBeGreaterThan(events.length / 3);
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expect(outcome.calls).toBe(REFERENCE_CALLS);
    expectNothingLostNothingDoubled(outcome);
  });
});
