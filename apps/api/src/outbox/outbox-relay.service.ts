import { getQueueToken } from '@nestjs/bullmq';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { OutboxRepository, StoredOutboxJob } from '@app/database';
import { withTimeout } from '@app/observability';
import { QueueName } from '@app/queue';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxWriter } from './outbox.writer';

const QUEUE_NAMES = new Set<string>(Object.values(QueueName));

/**
 * Bound on one batch's `addBulk`: it only keeps a hung Redis from holding the claimed rows'
 * transaction open (no caller waits on it, unlike intake's enqueue timeout). A batch that times
 * out after all is enqueued again later under the same job ids.
 */
const RELAY_TIMEOUT_MS = 10_000;

/**
 * Moves outbox rows into their queues, oldest first, in batches, every OUTBOX_RELAY_INTERVAL_MS
 * (and again at once while batches come back full). Every api process runs one: rows are
 * claimed with `FOR UPDATE SKIP LOCKED`, so relays never wait on each other, and a row is
 * deleted only after BullMQ confirmed its `addBulk`. A row relayed twice (a crash between the
 * add and the delete) keeps its job id, so BullMQ keeps one job, and the event log's dedup key
 * makes even a re-run harmless.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private timer?: NodeJS.Timeout;
  private pass?: Promise<number>;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly writer: OutboxWriter,
    private readonly metrics: OutboxMetrics,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.outbox.relayIntervalMs > 0) this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass?.catch(() => undefined);
  }

  /**
   * Relays until the outbox is empty, a batch comes back short, or something fails (then
   * throws; the rows stay). Returns how many rows it moved. Safe to call concurrently with
   * other relays, here or in other processes.
   */
  async relayPending(): Promise<number> {
    const batch = this.config.outbox.relayBatchSize;
    let moved = 0;
    for (;;) {
      const claimed = await this.outbox.relayOldest(batch, (jobs) => this.enqueue(jobs));
      if (claimed > 0) {
        moved += claimed;
        this.metrics.relayed(claimed);
        this.writer.queueIsBack();
      }
      if (claimed < batch || this.stopped) return moved;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.config.outbox.relayIntervalMs);
  }

  private async tick(): Promise<void> {
    this.pass = this.relayPending();
    try {
      this.noteSuccess(await this.pass);
    } catch (error) {
      this.noteFailure(error);
    }
    this.schedule();
  }

  /** Enqueues one claimed batch, one `addBulk` per queue. */
  private async enqueue(jobs: StoredOutboxJob[]): Promise<void> {
    const byQueue = new Map<string, StoredOutboxJob[]>();
    for (const job of jobs) {
      // A row only an unknown (newer) version could have written: fail loudly, keep it.
      if (!QUEUE_NAMES.has(job.queue))
        throw new Error(`outbox row ${job.id}: unknown queue "${job.queue}"`);
      byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
    }
    await Promise.all(
      [...byQueue].map(([name, queued]) =>
        withTimeout(
          this.queueNamed(name).addBulk(
            queued.map((job) => ({ name: job.name, data: job.data, opts: { jobId: job.jobId } })),
          ),
          RELAY_TIMEOUT_MS,
          `relay to ${name}`,
        ),
      ),
    );
  }

  private queueNamed(name: string): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
  }

  private noteSuccess(moved: number): void {
    if (this.failing) {
      this.failing = false;
      this.logger.log('relaying again');
    }
    if (moved > 0) this.logger.log(`relayed ${moved} outbox rows to the queue`);
  }

  private noteFailure(error: unknown): void {
    // Logged when relaying starts to fail, not on every retry of an outage.
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      `cannot relay the outbox yet (${error instanceof Error ? error.message : String(error)}); retrying every ${this.config.outbox.relayIntervalMs} ms`,
    );
  }
}
