import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { inRequestScope } from '@app/observability';
import { QueueName, callEventJob } from '@app/queue';
import { redactInPlace, type WebhookIdentity } from '@app/vapi';

/** The job of one accepted webhook, as `callEventJob` builds it. */
export type CallEventJob = ReturnType<typeof callEventJob>;

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

  /**
   * Records an accepted body: redacts it (in place: the caller hands it over) and enqueues it as
   * the job's payload, serialised once by BullMQ. Resolves once durable.
   */
  async accept(
    identity: WebhookIdentity,
    body: unknown,
    receivedAt: Date,
    tenantId: string,
  ): Promise<void> {
    await this.enqueue(callEventJob(redactInPlace(body), identity.dedupKey, receivedAt, tenantId));
  }

  /**
   * The one place a job leaves the api: resolves once Redis has confirmed the add, rejects with
   * 503 after the configured bound.
   */
  async enqueue(job: CallEventJob): Promise<void> {
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
  reportLostRecord(identity: WebhookIdentity, error: unknown, requestId: string): void {
    inRequestScope(requestId, () =>
      this.logger.error(
        `answered ${identity.kind} for call ${identity.callId ?? '-'} but could not record it: ${
          error instanceof Error ? error.message : String(error)
        }`,
      ),
    );
  }
}
