import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { RedisQueueBackend, type Worker } from 'bullmq';

/** How long a worker whose Redis connection is down gets to reconnect before it is forced shut. */
export const RECONNECT_GRACE_MS = 5000;

/**
 * Stops every BullMQ worker and waits for its active jobs before anything else shuts down.
 * Nest closes the workers and the TypeORM connection in the same (last) phase, so without this
 * a job still running at SIGTERM could lose its database or queue connection mid-way and fail
 * into a retry.
 *
 * A graceful `Worker.close()` on the Redis backend never returns once its connection was reset
 * and Redis stays away: it waits for the blocking connection to end, which an ioredis client
 * parked in `reconnecting` never does (drill 9). So a worker whose connections are not live is
 * given `RECONNECT_GRACE_MS` to come back, then closed with `force`: its active jobs could not
 * be acknowledged anyway, and their locks expire so another worker re-runs them (idempotent).
 */
@Injectable()
export class WorkerShutdownService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const workers: Worker[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof WorkerHost) workers.push((instance as WorkerHost<Worker>).worker);
    }
    if (signal) this.logger.log(`${signal}: finishing active jobs of ${workers.length} workers`);
    await Promise.all(workers.map((worker) => this.close(worker)));
  }

  private async close(worker: Worker): Promise<void> {
    if (await connectionsLive(worker, RECONNECT_GRACE_MS)) {
      // close() stops fetching new jobs and resolves once the active ones are done.
      await worker.close();
      return;
    }
    this.logger.warn(
      `worker ${worker.name}: Redis unreachable for ${RECONNECT_GRACE_MS} ms; closing without waiting for active jobs (they will be re-run)`,
    );
    await worker.close(true);
  }
}

/**
 * True once the worker's Redis connections (the command one and the blocking one) are ready,
 * false if they are not within `graceMs`. Other backends have no such hang: always true.
 */
async function connectionsLive(worker: Worker, graceMs: number): Promise<boolean> {
  const backend: unknown = worker.backend;
  if (!(backend instanceof RedisQueueBackend)) return true;
  const blocking = backend.blockingClient;
  const clients = [await backend.client, ...(blocking === undefined ? [] : [await blocking])];
  const deadline = Date.now() + graceMs;
  for (;;) {
    if (clients.every((client) => client.status === 'ready')) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
