import { EventEmitter } from 'node:events';
import type { Job, Worker } from 'bullmq';
import { Registry } from 'prom-client';
import { sample } from '../../../../test/helpers/metrics';
import { JobMetrics } from './job-metrics';

/** Just enough of a BullMQ worker: a name and its events. */
const fakeWorker = (name: string) =>
  Object.assign(new EventEmitter(), { name }) as unknown as Worker & EventEmitter;

const job = (name: string, processedOn: number | undefined, finishedOn?: number): Job =>
  ({ name, processedOn, finishedOn }) as unknown as Job;

describe(JobMetrics.name, () => {
  let registry: Registry;
  let metrics: JobMetrics;
  beforeEach(() => {
    registry = new Registry();
    metrics = new JobMetrics(registry);
  });

  it('times completed and failed attempts and counts failures, by queue and job name', async () => {
    const worker = fakeWorker('call-events');
    metrics.observeWorker(worker);
    worker.emit('completed', job('apply-call-event', 1_000, 1_250), undefined);
    worker.emit('failed', job('apply-call-event', 2_000, 2_500), new Error('x'));
    worker.emit('failed', undefined, new Error('lock lost'));
    const text = await registry.metrics();
    const labels = { queue: 'call-events', name: 'apply-call-event' };
    expect(sample(text, 'vapi_job_duration_seconds_count', labels)).toBe(2);
    expect(sample(text, 'vapi_job_duration_seconds_sum', labels)).toBeCloseTo(0.75);
    expect(sample(text, 'vapi_job_failures_total', labels)).toBe(1);
  });

  it('folds unknown queue and job names into "other"', async () => {
    const worker = fakeWorker('some-new-queue');
    metrics.observeWorker(worker);
    worker.emit('failed', job('some-new-job', 1_000, 1_001), new Error('x'));
    const text = await registry.metrics();
    expect(sample(text, 'vapi_job_failures_total', { queue: 'other', name: 'other' })).toBe(1);
    expect(text).not.toContain('some-new');
  });

  it('counts recording downloads from the recordings worker only', async () => {
    const recordings = fakeWorker('call-recordings');
    const events = fakeWorker('call-events');
    metrics.observeWorker(recordings);
    metrics.observeWorker(events);
    recordings.emit('completed', job('attach-recording', 1, 2), 'stored');
    recordings.emit('completed', job('attach-recording', 1, 2), 'already-stored');
    recordings.emit('failed', job('attach-recording', 1, 2), new Error('503'));
    events.emit('completed', job('apply-call-event', 1, 2), 'stored');
    const text = await registry.metrics();
    const downloads = (result: string) =>
      sample(text, 'vapi_recording_downloads_total', { result });
    expect(downloads('stored')).toBe(1);
    expect(downloads('already_stored')).toBe(1);
    expect(downloads('failed')).toBe(1);
  });

  it('stops observing once detached', async () => {
    const worker = fakeWorker('call-events');
    const detach = metrics.observeWorker(worker);
    detach();
    worker.emit('completed', job('apply-call-event', 1, 2), undefined);
    expect(worker.listenerCount('completed')).toBe(0);
    expect(
      sample(await registry.metrics(), 'vapi_job_duration_seconds_count', {
        queue: 'call-events',
      }),
    ).toBeUndefined();
  });
});
