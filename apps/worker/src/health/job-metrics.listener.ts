import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { JobMetrics } from '@app/observability';

/**
 * Feeds `JobMetrics` from the events of every BullMQ worker in the app (each `@Processor` class
 * extends `WorkerHost`), so processors carry no metrics code. Workers exist once modules are
 * initialised; listeners are attached at bootstrap.
 */
@Injectable()
export class JobMetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly metrics: JobMetrics,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof WorkerHost) {
        const worker: Worker = (instance as WorkerHost<Worker>).worker;
        this.detach.push(this.metrics.observeWorker(worker));
      }
    }
  }

  /** How many workers are observed (for the health endpoint and tests). */
  get observedWorkers(): number {
    return this.detach.length;
  }

  onApplicationShutdown(): void {
    for (const detach of this.detach.splice(0)) detach();
  }
}
