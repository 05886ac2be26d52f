import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  CallChangesRepository,
  CallEventsRepository,
  retryOnConflict,
  type Call,
  type TranscriptSegment,
} from '@app/database';
import type { CallEvent, TranscriptRole } from '@app/vapi';
import { eventOfDelivery } from '../call-events/delivery-event';
import { CallsService } from '../calls/calls.service';
import type { TranscriptState } from './transcript-state';

/**
 * A call's transcript job: segments (by precedence, see `mergeTranscript`), plain text and talk
 * statistics, folded through the same `CallsService` as the call-events batches.
 */
@Injectable()
export class TranscriptsService {
  private readonly logger = new Logger(TranscriptsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly calls: CallsService,
    private readonly events: CallEventsRepository,
    private readonly changes: CallChangesRepository,
  ) {}

  /**
   * Folds the call's logged end-of-call report (re-normalised from its stored payload) into the
   * call and its transcript, then re-derives text and statistics. Idempotent: applying the
   * call-event already folded the same report, so normally only derived columns are refreshed.
   */
  async processCall(callId: string): Promise<void> {
    const transaction = () =>
      this.dataSource.transaction(async (m) => {
        const report = await this.loggedReport(m, callId);
        // The job is enqueued after the call row committed, so a missing row is a real fault.
        const changes = await this.calls.foldIntoCalls(
          m,
          new Map([[callId, { events: report === null ? [] : [report], recompute: true }]]),
          { createMissing: false, registerRecordings: false },
        );
        await this.changes.append(m, changes);
      });
    await retryOnConflict(transaction, {
      onRetry: (error) =>
        this.logger.warn(
          `call ${callId}: transcript transaction hit ${String((error as { code?: unknown }).code)}; running it again`,
        ),
    });
  }

  /** The call's logged end-of-call report as an event, or null if absent or purged. */
  private async loggedReport(m: EntityManager, callId: string): Promise<CallEvent | null> {
    const record = await this.events.findEndOfCallReport(callId, m);
    if (record === null || record.payload === null || record.payload === undefined) {
      this.logger.warn(
        `call ${callId}: no stored end-of-call report; refreshing derived columns only`,
      );
      return null;
    }
    try {
      const event = eventOfDelivery(record.payload, record.dedupKey);
      return event.kind === 'end-of-call-report' && event.callId === callId ? event : null;
    } catch (error) {
      this.logger.warn(
        `call ${callId}: stored end-of-call report no longer normalises: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
      return null;
    }
  }
}

/** The transcript state held in a call row and its segment rows. */
export function transcriptFromRows(row: Call, rows: readonly TranscriptSegment[]): TranscriptState {
  return {
    source: row.transcriptSource,
    version: row.transcriptVersion,
    segments: rows.map((r) => ({
      role: r.role as TranscriptRole,
      text: r.text,
      secondsFromStart: r.secondsFromStart === null ? null : Number(r.secondsFromStart),
      durationSeconds: r.durationSeconds === null ? null : Number(r.durationSeconds),
      occurredAt: r.occurredAt === null ? null : r.occurredAt.toISOString(),
    })),
  };
}
