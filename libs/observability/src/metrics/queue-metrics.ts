import type { Queue } from 'bullmq';
import { Gauge, Registry } from 'prom-client';
import { queueLabel } from './labels';
import { withTimeout } from '../with-timeout';

/** What the queue gauges read from a BullMQ queue. */
export type MeasuredQueue = Pick<Queue, 'name' | 'getJobCounts' | 'getJobs'>;

/** The job states exported per queue. */
export const QUEUE_STATES = ['waiting', 'active', 'failed', 'delayed'] as const;

/**
 * Registers `vapi_queue_jobs{queue,state}` and `vapi_queue_oldest_waiting_age_seconds{queue}`,
 * read from Redis on every scrape. A queue that does not answer within `timeoutMs` has no
 * samples in that scrape (rather than stale ones, or a failed scrape).
 */
export function registerQueueMetrics(
  registry: Registry,
  queues: readonly MeasuredQueue[],
  timeoutMs = 1000,
): void {
  new Gauge({
    name: 'vapi_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, failed, delayed), read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues.map(async (queue) => {
          const counts = await withTimeout(
            queue.getJobCounts(...QUEUE_STATES),
            timeoutMs,
            `job counts of ${queue.name}`,
          ).catch(() => undefined);
          if (counts === undefined) return;
          for (const state of QUEUE_STATES) {
            this.set({ queue: queueLabel(queue.name), state }, counts[state] ?? 0);
          }
        }),
      );
    },
  });
  new Gauge({
    name: 'vapi_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest waiting job per queue (0 when none waits), read at scrape time',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      const now = Date.now();
      await Promise.all(
        queues.map(async (queue) => {
          const jobs = await withTimeout(
            queue.getJobs(['waiting'], 0, 0, true),
            timeoutMs,
            `oldest job of ${queue.name}`,
          ).catch(() => undefined);
          if (jobs === undefined) return;
          const oldest = jobs[0];
          const age = oldest === undefined ? 0 : Math.max(0, (now - oldest.timestamp) / 1000);
          this.set({ queue: queueLabel(queue.name) }, age);
        }),
      );
    },
  });
}
