import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  Call,
  CallChangesRepository,
  CallColumns,
  CallEventsRepository,
  CallsRepository,
  TranscriptSegment,
  TranscriptSegmentsRepository,
} from '@app/database';
import { normalizeWebhook, type CallEvent, type TranscriptRole } from '@app/vapi';
import { callChanges } from '../call-events/call-changes';
import { callColumnsFromState, callStateFromRow, sameCallState } from '../call-events/call-row';
import { canonicalJson, mergeCallState, type CallState } from '../call-events/call-state';
import {
  EMPTY_TRANSCRIPT,
  computeTranscriptStats,
  mergeTranscript,
  offersTranscript,
  renderTranscriptText,
  type TranscriptState,
} from './transcript-state';

/** Transcript columns of `calls`. */
export type TranscriptColumns = Partial<
  Pick<CallColumns, 'transcriptSource' | 'transcriptVersion' | 'transcriptStats' | 'transcriptText'>
>;

/** What folding into a transcript did: the columns to write, and the transcript before and after. */
export interface TranscriptFold {
  columns: TranscriptColumns;
  before: TranscriptState;
  after: TranscriptState;
}

/** A fold that read nothing and changed nothing. */
const UNTOUCHED: TranscriptFold = {
  columns: {},
  before: EMPTY_TRANSCRIPT,
  after: EMPTY_TRANSCRIPT,
};

/**
 * A call's transcript: segments (by precedence, see `mergeTranscript`), plain text and talk
 * statistics. Every write happens under the call's row lock.
 */
@Injectable()
export class TranscriptsService {
  private readonly logger = new Logger(TranscriptsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly calls: CallsRepository,
    private readonly events: CallEventsRepository,
    private readonly segments: TranscriptSegmentsRepository,
    private readonly changes: CallChangesRepository,
  ) {}

  /**
   * Folds the call's logged end-of-call report (re-normalised from its stored payload) into the
   * call and its transcript, then re-derives text and statistics. Idempotent: applying the
   * call-event already folded the same report, so normally only derived columns are refreshed.
   */
  async processCall(callId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const row = await this.calls.findByIdForUpdate(m, callId);
      // The job is enqueued after the call row committed, so a missing row is a real fault.
      if (row === null) throw new Error(`call ${callId} does not exist`);
      const report = await this.loggedReport(m, callId);
      const state = callStateFromRow(row);
      const merged = report === null ? state : mergeCallState(state, report);
      const transcript = await this.foldTranscript(m, row, merged, report, { recompute: true });
      await this.calls.updateColumns(m, callId, {
        ...(sameCallState(state, merged) ? {} : callColumnsFromState(merged)),
        ...transcript.columns,
      });
      await this.changes.append(m, callChanges(state, merged, transcript.before, transcript.after));
    });
  }

  /**
   * Folds `event` into the transcript of a call whose row the caller holds locked, replaces the
   * segments when they change, and returns the transcript columns to write (none when nothing
   * changed) with the transcript before and after (for the change feed). `state` is the call's merged state: text is rendered from the segments only while
   * no report has provided one. With `recompute`, text and statistics are re-derived anyway.
   */
  async foldTranscript(
    m: EntityManager,
    row: Call,
    state: CallState,
    event: CallEvent | null,
    options: { recompute?: boolean } = {},
  ): Promise<TranscriptFold> {
    const offered = event !== null && offersTranscript(event);
    if (!offered && !options.recompute) return UNTOUCHED;
    const current = transcriptFromRows(row, await this.segments.listByCall(row.id, m));
    const next = event !== null && offered ? mergeTranscript(current, event) : current;
    const changed = canonicalJson(next) !== canonicalJson(current);
    if (!changed && !options.recompute) return { columns: {}, before: current, after: current };
    if (next.source !== current.source || !sameSegments(next, current)) {
      await this.segments.replaceForCall(
        m,
        row.id,
        next.segments.map((s) => ({
          role: s.role,
          text: s.text,
          secondsFromStart: s.secondsFromStart === null ? null : String(s.secondsFromStart),
          durationSeconds: s.durationSeconds === null ? null : String(s.durationSeconds),
          occurredAt: s.occurredAt === null ? null : new Date(s.occurredAt),
          source: next.source ?? 'live-final',
        })),
      );
    }
    const columns: TranscriptColumns = {
      transcriptSource: next.source,
      transcriptVersion: next.version,
      transcriptStats: next.segments.length > 0 ? computeTranscriptStats(next.segments) : null,
    };
    if (state.fieldVersions.transcriptText === undefined) {
      columns.transcriptText = renderTranscriptText(next.segments);
    }
    return { columns, before: current, after: next };
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
      const event = normalizeWebhook(record.payload);
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

function sameSegments(a: TranscriptState, b: TranscriptState): boolean {
  return canonicalJson(a.segments) === canonicalJson(b.segments);
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
