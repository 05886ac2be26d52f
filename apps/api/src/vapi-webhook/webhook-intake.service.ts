import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { callEventJob } from '@app/queue';
import type { CallEvent } from '@app/vapi';
import { OutboxWriter } from '../outbox/outbox.writer';

/**
 * Puts accepted events on the call-events queue (or, while it cannot take them, in the outbox).
 * The job id is the event's dedup key, so a redelivery while the first job is still kept is
 * acknowledged without a second job.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);

  constructor(private readonly durable: OutboxWriter) {}

  /** Resolves once the queue or the outbox confirmed the job; 503 when neither did in time. */
  async enqueue(event: CallEvent, payload: unknown, receivedAt: Date): Promise<void> {
    const job = callEventJob(payload, event.dedupKey, receivedAt);
    try {
      await this.durable.enqueue(job);
    } catch (error) {
      throw new ServiceUnavailableException(
        `Neither the event queue nor the outbox could take the event (${error instanceof Error ? error.message : String(error)}); retry later.`,
      );
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
