import { Delivery } from '../helpers/load';
import { PipelineSnapshot } from '../helpers/pipeline';
import { WorkloadEvent } from '../helpers/workload';
import {
  Drill,
  expectNothingLostNothingDoubled,
  referenceSnapshot,
  settle,
  statusCounts,
} from './harness';

const CALLS = 20;
const COPIES = 10;
/** Events whose copies are in flight at once (so up to 40 requests race). */
const WINDOW = 4;

/**
 * A redelivery differs from the original only where VAPI regenerates values: end-of-call
 * reports carry new presigned URLs each time.
 */
function redelivery(event: WorkloadEvent, copy: number): WorkloadEvent {
  if (copy === 0 || event.label !== 'end-of-call-report') return event;
  const body = JSON.parse(event.body.toString('utf8')) as {
    message: { artifact: Record<string, unknown> };
  };
  body.message.artifact.presignedMonoUrl = `https://storage.example/mono.wav?sig=copy-${copy}`;
  return { ...event, body: Buffer.from(JSON.stringify(body)) };
}

describe('drill 4: duplicate storm (every event delivered 10 times concurrently)', () => {
  let reference: PipelineSnapshot;
  let drill: Drill;

  beforeAll(async () => {
    reference = await referenceSnapshot();
    drill = await Drill.start({ name: 'duplicate-storm' });
  });
  afterAll(async () => drill?.dispose());

  it('has one effect per event', async () => {
    const events = drill.workload(CALLS);
    const deliveries: Delivery<WorkloadEvent>[] = [];
    for (let i = 0; i < events.length; i += WINDOW) {
      const burst = events
        .slice(i, i + WINDOW)
        .flatMap((event) => Array.from({ length: COPIES }, (_, copy) => redelivery(event, copy)));
      const results = await Promise.all(burst.map((item) => drill.post(item.body)));
      results.forEach((result, j) =>
        deliveries.push({
          item: burst[j],
          attempts: [result],
          acknowledged: result.status === 200,
        }),
      );
    }
    await drill.drain();
    // A late redelivery of everything, once the first copies have been applied.
    for (const event of events) {
      const result = await drill.post(redelivery(event, COPIES).body);
      deliveries.push({ item: event, attempts: [result], acknowledged: result.status === 200 });
    }
    const outcome = await settle(drill, deliveries, reference);
    const rows = await drill.db.query<{ n: string }[]>('SELECT count(*) AS n FROM call_events');

    drill.report({
      events: events.length,
      deliveries: deliveries.length,
      statuses: statusCounts(deliveries),
      eventRows: Number(rows[0].n),
      ...outcome.exactlyOnce,
      queues: outcome.queues,
      diffs: outcome.diffs.length,
    });
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);
    expect(Number(rows[0].n)).toBe(events.length);
    expect(outcome.queues['call-events'].completed).toBeLessThanOrEqual(events.length);
    expectNothingLostNothingDoubled(outcome);
  });
});
