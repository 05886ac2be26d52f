import type { DefaultJobOptions, RedisOptions } from 'bullmq';
import type { AppConfig } from '@app/config';
import { QueueName } from './queue.constants';
import { bullConnection } from './redis-connection';

/** Completed jobs are kept a day (capped), long enough for job-id dedup of quick redeliveries. */
const KEEP_COMPLETED = { age: 24 * 60 * 60, count: 10_000 };

/**
 * Retries, backoff and retention of each queue. Failed jobs are never removed automatically so
 * they stay visible (and retryable) in Bull Board.
 */
export function defaultJobOptions(queue: QueueName, config: AppConfig): DefaultJobOptions {
  const { attempts, backoffMs } =
    queue === QueueName.Recordings
      ? { attempts: config.recordings.attempts, backoffMs: config.recordings.backoffMs }
      : { attempts: config.worker.attempts, backoffMs: config.worker.backoffMs };
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  };
}

/**
 * Redis options for the api: a command fails after one retry and a connect after 2 s, so an
 * enqueue can be answered with 503 instead of hanging while Redis is down.
 */
export function producerConnection(config: AppConfig): RedisOptions {
  // Auto-pipelining batches the adds of concurrent requests into one round trip.
  return bullConnection(config.redis, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    enableAutoPipelining: true,
    // Reconnect within 2 s of Redis coming back (BullMQ's default backs off to 20 s), so intake
    // and the outbox relay use the queue again promptly after an outage.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** Redis options for workers: BullMQ requires blocking connections to retry forever. */
export function workerConnection(config: AppConfig): RedisOptions {
  return bullConnection(config.redis, { maxRetriesPerRequest: null });
}
