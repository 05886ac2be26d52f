import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobName, JobSchedulerId, QueueName } from '@app/queue';

const MINUTE_MS = 60_000;
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * Registers the repeatable maintenance jobs at boot: payload retention every
 * RETENTION_INTERVAL_MINUTES (unless RETENTION_PAYLOAD_DAYS is 0), the stale-call lookup every
 * RECONCILE_INTERVAL_MINUTES and the sweep of recently changed calls every
 * RECONCILE_SWEEP_INTERVAL_SECONDS (both only with VAPI_API_KEY). A disabled one is removed, so turning
 * it off takes effect at the next boot. Every worker upserts the same scheduler ids, so however
 * many workers boot there is one scheduler, and one job per interval, of each.
 */
@Injectable()
export class MaintenanceScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MaintenanceScheduler.name);
  private stopped = false;
  private registration: Promise<void> = Promise.resolve();

  constructor(
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Not awaited: a worker must boot (and wait for Redis like its processors) while Redis is down. */
  onApplicationBootstrap(): void {
    this.registration = this.registerWithRetry();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
  }

  /** Settles once the schedulers are registered (or the app is shutting down). */
  whenRegistered(): Promise<void> {
    return this.registration;
  }

  /** Upserts the enabled schedulers and removes the disabled ones. */
  async register(): Promise<void> {
    const { retention, reconcile, vapi } = this.config;
    if (retention.payloadDays > 0) {
      await this.queue.upsertJobScheduler(
        JobSchedulerId.PurgePayloads,
        { every: retention.intervalMinutes * MINUTE_MS },
        { name: JobName.PurgePayloads, data: {} },
      );
    } else {
      await this.queue.removeJobScheduler(JobSchedulerId.PurgePayloads);
    }
    if (vapi.apiKey !== undefined) {
      await this.queue.upsertJobScheduler(
        JobSchedulerId.ReconcileCalls,
        { every: reconcile.intervalMinutes * MINUTE_MS },
        { name: JobName.ReconcileCalls, data: {} },
      );
    } else {
      await this.queue.removeJobScheduler(JobSchedulerId.ReconcileCalls);
    }
    if (vapi.apiKey !== undefined && reconcile.sweepIntervalSeconds > 0) {
      await this.queue.upsertJobScheduler(
        JobSchedulerId.SweepCalls,
        { every: reconcile.sweepIntervalSeconds * 1000 },
        { name: JobName.SweepCalls, data: {} },
      );
    } else {
      await this.queue.removeJobScheduler(JobSchedulerId.SweepCalls);
    }
  }

  private async registerWithRetry(): Promise<void> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        await this.register();
        return;
      } catch (error) {
        if (this.stopped) return;
        const delay = Math.min(MAX_RETRY_DELAY_MS, 500 * 2 ** failures);
        this.logger.error(
          `cannot register the maintenance schedules (${error instanceof Error ? error.message : String(error)}); retrying in ${delay} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
  }
}
