import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueName } from '@app/queue';
import { deliverAll } from '../helpers/load';
import { openPipelineQueue, queueCounts } from '../helpers/pipeline';
import { POISON_CALL_SUFFIX, plantPoison } from '../helpers/poison';
import { Drill, dedupKeyOf, statusCounts } from './harness';

/** The call Postgres refuses. */
const POISON_CALL = `drill-${POISON_CALL_SUFFIX}`;

describe('drill 11: a poison event batched with 50 good ones', () => {
  let drill: Drill;

  beforeAll(async () => {
    // No worker yet: every event is queued first, so the worker fetches them into one batch.
    drill = await Drill.start({
      name: 'poison-batch',
      worker: false,
      env: { WORKER_EVENTS_BATCH_MS: '200' },
    });
    // A value a column cannot hold is the real-world poison (see `plantPoison`).
    await plantPoison(drill.db);
  });
  afterAll(async () => drill?.dispose());

  it('applies the 50, and fails the poison alone, after one attempt, with its reason', async () => {
    const byKey = new Map(drill.workload(5).map((e) => [dedupKeyOf(e.body), e]));
    const good = [...byKey.values()].slice(0, 50);
    expect(good).toHaveLength(50);
    const template = good[0];
    const poison = {
      ...template,
      callId: POISON_CALL,
      body: Buffer.from(template.body.toString('utf8').replaceAll(template.callId, POISON_CALL)),
    };
    const events = [...good.slice(0, 25), poison, ...good.slice(25)];
    const deliveries = await deliverAll(drill.client, events, {
      concurrency: 8,
      hmacSecret: drill.hmacSecret,
    });
    expect(deliveries.filter((d) => !d.acknowledged)).toEqual([]);

    await drill.startWorker();
    const deadline = Date.now() + 60_000;
    let counts = (await queueCounts(drill.queueStore, drill.prefix))[QueueName.CallEvents];
    while (counts.completed + counts.failed < events.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      counts = (await queueCounts(drill.queueStore, drill.prefix))[QueueName.CallEvents];
    }
    const queue = openPipelineQueue(drill.queueStore, drill.prefix, QueueName.CallEvents);
    const failed = await queue.getFailed().finally(() => queue.close());
    const logged = await drill.db.query<{ dedup_key: string }[]>(
      'SELECT dedup_key FROM call_events',
    );
    // The worker says when a batch failed and its deliveries were retried one by one.
    const log = readFileSync(join(drill.logDir, 'worker-1.log'), 'utf8');
    const batchSizes = [...log.matchAll(/batch of (\d+) failed/g)].map((m) => Number(m[1]));
    drill.report({
      events: events.length,
      statuses: statusCounts(deliveries),
      completed: counts.completed,
      failed: counts.failed,
      logged: logged.length,
      failedBatchSizes: batchSizes,
    });

    expect({ completed: counts.completed, failed: counts.failed }).toEqual({
      completed: 50,
      failed: 1,
    });
    expect(failed).toHaveLength(1);
    expect(failed[0].data).toMatchObject({ dedupKey: dedupKeyOf(poison.body) });
    expect(failed[0].attemptsMade).toBe(1);
    expect(failed[0].failedReason).toMatch(/planted poison.*22003/);
    expect(logged.map((r) => r.dedup_key).sort()).toEqual(
      good.map((e) => dedupKeyOf(e.body)).sort(),
    );
    // It was one batch with good events in it, not a batch of its own.
    expect(batchSizes.length).toBeGreaterThan(0);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
  });
});
