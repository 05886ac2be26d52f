import type { Job } from 'bullmq';
import { Registry } from 'prom-client';
import { sample } from '../../../../test/helpers/metrics';
import { MeasuredQueue, registerQueueMetrics } from './queue-metrics';

const queue = (
  name: string,
  counts: Record<string, number>,
  oldestTimestamp?: number,
): MeasuredQueue => ({
  name,
  getJobCounts: () => Promise.resolve(counts),
  getJobs: () =>
    Promise.resolve(oldestTimestamp === undefined ? [] : [{ timestamp: oldestTimestamp } as Job]),
});

/** A queue whose Redis never answers. */
const stuck = (name: string): MeasuredQueue =>
  ({
    name,
    getJobCounts: () => new Promise(() => undefined),
    getJobs: () => new Promise(() => undefined),
  }) as unknown as MeasuredQueue;

describe(registerQueueMetrics.name, () => {
  it('reads job counts and the oldest waiting job of every queue at scrape time', async () => {
    const registry = new Registry();
    const counts = { waiting: 3, active: 1, failed: 2, delayed: 0 };
    registerQueueMetrics(registry, [
      queue('call-events', counts, Date.now() - 30_000),
      queue('call-transcripts', { waiting: 0, active: 0, failed: 0, delayed: 0 }),
    ]);
    const text = await registry.metrics();
    for (const [state, value] of Object.entries(counts)) {
      expect(sample(text, 'vapi_queue_jobs', { queue: 'call-events', state })).toBe(value);
    }
    const age = sample(text, 'vapi_queue_oldest_waiting_age_seconds', { queue: 'call-events' });
    expect(age).toBeGreaterThanOrEqual(30);
    expect(age).toBeLessThan(35);
    expect(
      sample(text, 'vapi_queue_oldest_waiting_age_seconds', { queue: 'call-transcripts' }),
    ).toBe(0);
  });

  it('leaves out a queue that does not answer in time instead of failing the scrape', async () => {
    const registry = new Registry();
    registerQueueMetrics(
      registry,
      [
        queue('call-events', { waiting: 1, active: 0, failed: 0, delayed: 0 }),
        stuck('maintenance'),
      ],
      50,
    );
    const started = Date.now();
    const text = await registry.metrics();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(sample(text, 'vapi_queue_jobs', { queue: 'call-events', state: 'waiting' })).toBe(1);
    expect(sample(text, 'vapi_queue_jobs', { queue: 'maintenance' })).toBeUndefined();
    expect(
      sample(text, 'vapi_queue_oldest_waiting_age_seconds', { queue: 'maintenance' }),
    ).toBeUndefined();
  });

  it('drops the samples of a queue that stops answering (no stale values)', async () => {
    const registry = new Registry();
    let healthy = true;
    const flaky = {
      name: 'call-events',
      getJobCounts: () =>
        healthy
          ? Promise.resolve({ waiting: 5, active: 0, failed: 0, delayed: 0 })
          : Promise.reject(new Error('Connection is closed.')),
      getJobs: () => (healthy ? Promise.resolve([]) : Promise.reject(new Error('closed'))),
    } as unknown as MeasuredQueue;
    registerQueueMetrics(registry, [flaky]);
    expect(sample(await registry.metrics(), 'vapi_queue_jobs', { state: 'waiting' })).toBe(5);
    healthy = false;
    expect(
      sample(await registry.metrics(), 'vapi_queue_jobs', { state: 'waiting' }),
    ).toBeUndefined();
  });
});
