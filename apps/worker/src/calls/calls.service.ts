import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  CallsRepository,
  RecordingsRepository,
  TranscriptSegmentsRepository,
  type Call,
  type CallColumns,
  type NewCallChange,
  type NewTranscriptSegment,
} from '@app/database';
import type { CallEvent, RecordingRef } from '@app/vapi';
import { callChanges, segmentDelta } from '../call-events/call-changes';
import {
  EMPTY_HEAD,
  prefixDigests,
  transcriptHead,
  type TranscriptHead,
} from '../transcripts/transcript-state';
import {
  changedColumns,
  emptyView,
  foldCall,
  foldedColumns,
  needsSegments,
  viewFromRow,
  type CallView,
} from './call-fold';

/** What to fold into one call. */
export interface CallWork {
  /** Events of this call, in the order they are folded (any order gives the same row). */
  events: readonly CallEvent[];
  /** Re-derive transcript text and statistics even if nothing changed. */
  recompute?: boolean;
  /** Start from "nothing known" instead of the stored row (replay). */
  fromScratch?: boolean;
}

/** Options of one `foldIntoCalls`. */
export interface FoldOptions {
  /** Create rows for calls that have none (false: a missing row is an error). */
  createMissing: boolean;
  /**
   * Register the recordings the events name (default true). The transcript job folds a report
   * whose batch registered them already, in the transaction that logged it.
   */
  registerRecordings?: boolean;
}

/** Keeps each segment INSERT far below Postgres' bind-parameter limit (8 per row). */
type SegmentRow = NewTranscriptSegment & { callId: string; seq: number };

/**
 * Writes folds of many calls inside the caller's transaction: creates missing rows, locks every
 * call in one statement (id order), reads stored segments only for the calls whose fold needs
 * them, folds each call's events in memory (`foldCall`), then writes only what changed: one
 * UPDATE per set of changed columns, transcript segments appended (or rewritten only when the
 * history really differs), recordings. Returns the change-feed entries; the caller appends them
 * as its transaction's last write.
 */
@Injectable()
export class CallsService {
  constructor(
    private readonly calls: CallsRepository,
    private readonly segments: TranscriptSegmentsRepository,
    private readonly recordings: RecordingsRepository,
  ) {}

  async foldIntoCalls(
    m: EntityManager,
    work: ReadonlyMap<string, CallWork>,
    options: FoldOptions,
  ): Promise<NewCallChange[]> {
    const ids = [...work.keys()];
    if (ids.length === 0) return [];
    if (options.createMissing) await this.calls.insertMissing(m, ids);
    const rows = await this.calls.lockByIds(m, ids);
    if (rows.length !== ids.length) {
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      throw new Error(`call ${missing.join(', ')} does not exist`);
    }

    const stored = new Map(rows.map((row) => [row.id, viewFromRow(row, null)]));
    const toRead = rows
      .filter((row) => mustReadSegments(row, stored.get(row.id)!, work.get(row.id)!))
      .map((row) => row.id);
    const wasRead = new Set(toRead);
    const read = await this.segments.listByCalls(m, toRead);
    for (const id of toRead) {
      stored.set(
        id,
        viewFromRow(
          rows.find((r) => r.id === id)!,
          read.get(id) ?? [],
        ),
      );
    }

    const updates: Array<{ id: string; columns: Partial<CallColumns> }> = [];
    const rewritten: string[] = [];
    const segmentRows: SegmentRow[] = [];
    const recordingRows = new Map<string, { callId: string; kind: string; url: string }>();
    const changes: NewCallChange[] = [];
    for (const row of rows) {
      const job = work.get(row.id)!;
      const before = stored.get(row.id)!;
      const after = foldCall(job.fromScratch ? emptyView(row.id) : before, job.events, job);
      const columns: Partial<CallColumns> = changedColumns(
        foldedColumns(before),
        foldedColumns(after),
      );

      const head = storedHead(row, before, wasRead.has(row.id));
      const plan = planSegments(before, after, head);
      if (plan.head !== null) {
        if (plan.head.count !== row.transcriptCount) columns.transcriptCount = plan.head.count;
        if (plan.head.digest !== row.transcriptDigest) columns.transcriptDigest = plan.head.digest;
      }
      if (plan.rewrite) rewritten.push(row.id);
      segmentRows.push(...plan.rows);
      if (Object.keys(columns).length > 0) updates.push({ id: row.id, columns });

      for (const event of options.registerRecordings === false ? [] : job.events) {
        for (const ref of recordingRefs(event)) {
          const key = `${row.id}\u0000${ref.kind}`;
          if (!recordingRows.has(key)) recordingRows.set(key, { callId: row.id, ...ref });
        }
      }
      const delta =
        after.transcript === before.transcript || head === null
          ? null
          : segmentDelta(head, after.transcript.segments);
      changes.push(...callChanges(before.state, after.state, delta));
    }

    await this.calls.updateMany(m, updates);
    await this.segments.deleteForCalls(m, rewritten);
    await this.segments.insertMany(m, segmentRows);
    await this.recordings.registerForCalls(m, [...recordingRows.values()]);
    return changes;
  }
}

/**
 * The stored segments are read when the fold or the write needs them: a transcript whose head
 * is unknown (written before the head columns existed), a recompute over the stored
 * transcript, an event that is decided by comparing segments (`needsStoredSegments`), and
 * always for replay, which repairs rows and so trusts only the segments actually stored.
 */
function mustReadSegments(row: Call, view: CallView, work: CallWork): boolean {
  if (work.fromScratch) return true;
  if (view.segmentsKnown) return false;
  if (row.transcriptDigest === null) return true;
  return work.recompute === true || needsSegments(view, work.events);
}

/** The head of the stored segments: of those read, else from the row (null: unknown). */
function storedHead(row: Call, view: CallView, read: boolean): TranscriptHead | null {
  if (read) return transcriptHead(view.transcript.segments);
  if (row.transcriptSource === null) return EMPTY_HEAD;
  if (row.transcriptDigest !== null) {
    return { count: row.transcriptCount, digest: row.transcriptDigest };
  }
  return null;
}

/**
 * How to store a folded transcript: nothing when it did not change; its new tail when the
 * stored segments are a prefix of it under the same source (each conversation-update carries
 * the whole history, so this is the common case: O(new turns) per update, not O(turns));
 * otherwise every segment rewritten. `head` is the new head (null: leave the columns alone).
 */
function planSegments(
  before: CallView,
  after: CallView,
  head: TranscriptHead | null,
): { rewrite: boolean; rows: SegmentRow[]; head: TranscriptHead | null } {
  if (after.transcript === before.transcript) {
    // Unchanged; a head that was unknown is now known from the segments read.
    return { rewrite: false, rows: [], head };
  }
  const id = after.state.id;
  const segments = after.transcript.segments;
  const digests = prefixDigests(segments);
  const next: TranscriptHead = { count: segments.length, digest: digests[segments.length] };
  const source = after.transcript.source ?? 'live-final';
  const sameSource = after.transcript.source === before.transcript.source;
  if (
    head !== null &&
    sameSource &&
    segments.length >= head.count &&
    digests[head.count] === head.digest
  ) {
    const rows = segments
      .slice(head.count)
      .map((s, i) => segmentRow(id, head.count + i, s, source));
    return { rewrite: false, rows, head: next };
  }
  return {
    rewrite: true,
    rows: segments.map((s, i) => segmentRow(id, i, s, source)),
    head: next,
  };
}

function segmentRow(
  callId: string,
  seq: number,
  s: CallView['transcript']['segments'][number],
  source: SegmentRow['source'],
): SegmentRow {
  return {
    callId,
    seq,
    role: s.role,
    text: s.text,
    secondsFromStart: s.secondsFromStart === null ? null : String(s.secondsFromStart),
    durationSeconds: s.durationSeconds === null ? null : String(s.durationSeconds),
    occurredAt: s.occurredAt === null ? null : new Date(s.occurredAt),
    source,
  };
}

/** The recordings an event makes known, one per kind (the event's own list first). */
export function recordingRefs(event: CallEvent): RecordingRef[] {
  const byKind = new Map<string, RecordingRef>();
  for (const ref of [...(event.recordings ?? []), ...(event.report?.recordings ?? [])]) {
    if (!byKind.has(ref.kind)) byKind.set(ref.kind, ref);
  }
  return [...byKind.values()];
}
