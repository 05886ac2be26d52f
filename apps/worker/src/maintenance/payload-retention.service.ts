import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { CallEventsRepository } from '@app/database';

/** Rows per UPDATE: small enough that no statement holds its row locks for long. */
export const PURGE_BATCH_SIZE = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** What one purge did. */
export interface PurgeReport {
  /** Events received before this lost their payload (null when retention is off). */
  cutoff: string | null;
  purged: number;
  /** UPDATE statements run. */
  batches: number;
}

/**
 * Payload retention: stored webhook bodies (personal data: transcripts, phone numbers) are
 * dropped from the event log after RETENTION_PAYLOAD_DAYS. Call records, segments and the
 * events' metadata stay; only replay of those events becomes impossible.
 */
@Injectable()
export class PayloadRetentionService {
  private readonly logger = new Logger(PayloadRetentionService.name);

  constructor(
    private readonly events: CallEventsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Purges payloads of events received more than `days` ago (default RETENTION_PAYLOAD_DAYS;
   * 0 keeps everything), `batchSize` rows per statement until none is left.
   */
  async purge(
    options: { days?: number; batchSize?: number; now?: Date } = {},
  ): Promise<PurgeReport> {
    const days = options.days ?? this.config.retention.payloadDays;
    if (days <= 0) return { cutoff: null, purged: 0, batches: 0 };
    const batchSize = options.batchSize ?? PURGE_BATCH_SIZE;
    const cutoff = new Date((options.now ?? new Date()).getTime() - days * DAY_MS);
    let purged = 0;
    let batches = 0;
    for (;;) {
      const count = await this.events.purgePayloadsReceivedBefore(cutoff, batchSize);
      batches += 1;
      purged += count;
      // The cutoff is fixed, so new events never keep this loop going.
      if (count < batchSize) break;
    }
    if (purged > 0) {
      this.logger.log(`purged ${purged} payload(s) received before ${cutoff.toISOString()}`);
    }
    return { cutoff: cutoff.toISOString(), purged, batches };
  }
}
