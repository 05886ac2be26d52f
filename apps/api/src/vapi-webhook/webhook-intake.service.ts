import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { QueueName, callEventJob } from '@app/queue';
import type { CallEvent } from '@app/vapi';

/**
 * Puts accepted events on the call-events queue. The job id is the event's dedup key, so a
 * redelivery while the first job is still kept is acknowledged without a second job.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);

  constructor(
    @InjectQueue(QueueName.CallEvents) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves once Redis has confirmed the add; rejects with 503 after the configured bound. */
  async enqueue(event: CallEvent, payload: unknown, receivedAt: Date): Promise<void> {
    const job = callEventJob(payload, event.dedupKey, receivedAt);
    let timer: NodeJS.Timeout | undefined;
    // BullMQ's add can hang while Redis is unreachable (ECOSYSTEM.md §2.7): bound it ourselves.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`enqueue timed out after ${this.config.redis.enqueueTimeoutMs} ms`)),
        this.config.redis.enqueueTimeoutMs,
      );
    });
    try {
      await Promise.race([this.queue.add(job.name, job.data, job.opts), timeout]);
    } catch (error) {
      throw new ServiceUnavailableException(
        `The event queue is unavailable (${error instanceof Error ? error.message : String(error)}); retry later.`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** A request/response message was answered but could not be recorded. */
  reportLostRecord(event: CallEvent, error: unknown): void {
    this.logger.error(
      `answered ${event.kind} for call ${event.callId ?? '-'} but could not record it: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}
