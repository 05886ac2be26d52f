import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';

/**
 * Stops every BullMQ worker and waits for its active jobs before anything else shuts down.
 * Nest closes the workers and the TypeORM connection in the same (last) phase, so without this
 * a job still running at SIGTERM could lose its database or queue connection mid-way and fail
 * into a retry.
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
    // close() stops fetching new jobs and resolves once the active ones are done.
    await Promise.all(workers.map((worker) => worker.close()));
  }
}
