import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { inRequestScope } from '@app/observability';
import { callEventJob } from '@app/queue';
import { redactInPlace, type WebhookIdentity } from '@app/vapi';
import { CallEventJob, OutboxWriter } from '../outbox/outbox.writer';

export type { CallEventJob } from '../outbox/outbox.writer';

/**
 * Puts accepted events on the call-events queue (or, while it cannot take them, in the outbox).
 * The job id is the event's dedup key, so a redelivery while the first job is still kept is
 * acknowledged without a second job.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);

  constructor(private readonly durable: OutboxWriter) {}

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
   * The one place a job leaves the api: resolves once the queue (within
   * WEBHOOK_ENQUEUE_TIMEOUT_MS) or else the outbox (within WEBHOOK_OUTBOX_TIMEOUT_MS) confirmed
   * it; 503 when neither did.
   */
  async enqueue(job: CallEventJob): Promise<void> {
    try {
      await this.durable.enqueue(job);
    } catch (error) {
      throw new ServiceUnavailableException(
        `Neither the event queue nor the outbox could take the event (${error instanceof Error ? error.message : String(error)}); retry later.`,
      );
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
