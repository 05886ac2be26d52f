import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { OutboxRepository } from '@app/database';
import { withTimeout } from '@app/observability';
import { QueueName, callEventJob } from '@app/queue';
import { OutboxMetrics } from './outbox.metrics';

/** A call-events job as `callEventJob` builds it. */
export type CallEventJob = ReturnType<typeof callEventJob>;

/** Where an accepted job went. */
export type Destination = 'queue' | 'outbox';

/**
 * After a failed enqueue, how long the queue is presumed down: requests go to the outbox first
 * instead of each waiting out the enqueue timeout (a partitioned Redis answers nothing). The
 * relay ends this early as soon as it enqueues again.
 */
const PRESUMED_DOWN_MS = 5000;

/**
 * Makes an accepted event durable: on the call-events queue, or, when the queue cannot take it
 * within WEBHOOK_ENQUEUE_TIMEOUT_MS, in the Postgres outbox (within WEBHOOK_OUTBOX_TIMEOUT_MS),
 * from where the relay enqueues it with the same job id. Fails only when neither took it.
 */
@Injectable()
export class OutboxWriter {
  private readonly logger = new Logger('Outbox');
  private queueDownUntil = 0;
  /** Logged on change only: an outage would otherwise log every request. */
  private divertingToOutbox = false;

  constructor(
    @InjectQueue(QueueName.CallEvents) private readonly queue: Queue,
    private readonly outbox: OutboxRepository,
    private readonly metrics: OutboxMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves once the queue or the outbox confirmed the job; rejects with both reasons. */
  async enqueue(job: CallEventJob): Promise<Destination> {
    const order: Destination[] =
      Date.now() < this.queueDownUntil ? ['outbox', 'queue'] : ['queue', 'outbox'];
    const failures: string[] = [];
    for (const destination of order) {
      try {
        await (destination === 'queue' ? this.toQueue(job) : this.toOutbox(job));
        this.noteDestination(destination, failures);
        return destination;
      } catch (error) {
        failures.push(`${destination}: ${error instanceof Error ? error.message : String(error)}`);
        if (destination === 'queue') this.queueDownUntil = Date.now() + PRESUMED_DOWN_MS;
      }
    }
    throw new Error(failures.join('; '));
  }

  /** The relay enqueued again: stop presuming the queue down. */
  queueIsBack(): void {
    this.queueDownUntil = 0;
  }

  private noteDestination(destination: Destination, failures: string[]): void {
    // Only a failed enqueue starts a diversion: requests sent to the outbox first while the
    // queue is presumed down tell nothing new.
    if (destination === 'outbox' && failures.length > 0 && !this.divertingToOutbox) {
      this.divertingToOutbox = true;
      this.logger.warn(
        `the queue cannot take events (${failures.join('; ')}): accepting them into the Postgres outbox until it can`,
      );
    } else if (destination === 'queue' && this.divertingToOutbox) {
      this.divertingToOutbox = false;
      this.logger.log('the queue takes events again; the relay empties the outbox');
    }
  }

  private async toQueue(job: CallEventJob): Promise<void> {
    // BullMQ's add can hang while Redis is unreachable (ECOSYSTEM.md §2.7): bound it ourselves.
    await withTimeout(
      this.queue.add(job.name, job.data, job.opts),
      this.config.redis.enqueueTimeoutMs,
      'enqueue',
    );
  }

  private async toOutbox(job: CallEventJob): Promise<void> {
    await withTimeout(
      this.outbox.add({
        queue: QueueName.CallEvents,
        name: job.name,
        jobId: job.opts.jobId,
        data: job.data,
      }),
      this.config.outbox.writeTimeoutMs,
      'outbox write',
    );
    this.metrics.written();
  }
}
