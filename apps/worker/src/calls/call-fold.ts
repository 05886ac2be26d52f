import type { Call, CallColumns, TranscriptSegment, TranscriptStats } from '@app/database';
import type { CallEvent, TranscriptRole } from '@app/vapi';
import { callColumnsFromState, callStateFromRow } from '../call-events/call-row';
import {
  canonicalJson,
  emptyCallState,
  mergeCallState,
  type CallState,
} from '../call-events/call-state';
import {
  EMPTY_TRANSCRIPT,
  computeTranscriptStats,
  mergeTranscript,
  needsStoredSegments,
  offersTranscript,
  renderTranscriptText,
  sameTranscript,
  type TranscriptState,
} from '../transcripts/transcript-state';

/**
 * A call as the fold sees it: what its `calls` row holds. `state.transcriptText` is the row's
 * column (rendered from the segments while no report has set it). `transcript.segments` are the
 * real segments only when `segmentsKnown`; otherwise the stored ones were not read (the fold
 * never needs them then, see `needsStoredSegments`) and the list is empty.
 */
export interface CallView {
  state: CallState;
  transcript: TranscriptState;
  segmentsKnown: boolean;
  stats: TranscriptStats | null;
}

/** The columns of `calls` a fold decides (the transcript head is the writer's business). */
export type FoldedColumns = Omit<CallColumns, 'transcriptCount' | 'transcriptDigest'>;

/** A row as a view; `segments` are its stored segments, or null when they were not read. */
export function viewFromRow(row: Call, segments: readonly TranscriptSegment[] | null): CallView {
  const known = segments !== null || row.transcriptSource === null;
  return {
    state: callStateFromRow(row),
    transcript: {
      source: row.transcriptSource,
      version: row.transcriptVersion,
      segments: segments === null ? [] : segments.map(segmentFromRow),
    },
    segmentsKnown: known,
    stats: row.transcriptStats,
  };
}

/** A call nothing is known about (replay folds a call's whole log into this). */
export function emptyView(id: string): CallView {
  return {
    state: emptyCallState(id),
    transcript: EMPTY_TRANSCRIPT,
    segmentsKnown: true,
    stats: null,
  };
}

/** True when folding `events` into a stored view needs its segments read first. */
export function needsSegments(view: CallView, events: readonly CallEvent[]): boolean {
  return !view.segmentsKnown && events.some((e) => needsStoredSegments(view.transcript, e));
}

/**
 * Folds one event into a call: the merge state through `mergeCallState`, the transcript through
 * `mergeTranscript`, and what the row derives from them (text while no report set it, talk
 * statistics) whenever the transcript changed. The one fold of the worker: the batched
 * call-events path, the transcript job and replay all go through `foldCall`, so a call's row is
 * the same whichever path (and however many batches) its events took.
 */
export function foldEvent(view: CallView, event: CallEvent): CallView {
  const state = mergeCallState(view.state, event);
  if (!offersTranscript(event)) return { ...view, state };
  if (!view.segmentsKnown && needsStoredSegments(view.transcript, event)) {
    throw new Error(`call ${state.id}: folding needs its stored segments, which were not read`);
  }
  const next = mergeTranscript(view.transcript, event);
  // Unread segments are never compared: a transcript that replaced them has a new version.
  const changed =
    next !== view.transcript && (!view.segmentsKnown || !sameTranscript(next, view.transcript));
  if (!changed) return { ...view, state };
  return derive({ state, transcript: next, segmentsKnown: true, stats: view.stats });
}

/**
 * Folds `events` in order; with `recompute`, re-derives text and statistics at the end even if
 * nothing changed (the transcript job and replay do, so derived columns heal).
 */
export function foldCall(
  view: CallView,
  events: readonly CallEvent[],
  options: { recompute?: boolean } = {},
): CallView {
  const folded = events.reduce(foldEvent, view);
  if (!options.recompute) return folded;
  if (!folded.segmentsKnown) {
    throw new Error(`call ${folded.state.id}: recomputing needs its stored segments`);
  }
  return derive(folded);
}

function derive(view: CallView): CallView {
  const { state, transcript } = view;
  const text =
    state.fieldVersions.transcriptText === undefined
      ? renderTranscriptText(transcript.segments)
      : state.transcriptText;
  return {
    ...view,
    state: { ...state, transcriptText: text },
    stats: transcript.segments.length > 0 ? computeTranscriptStats(transcript.segments) : null,
  };
}

/** Every column the fold decides, as the row would hold it. */
export function foldedColumns(view: CallView): FoldedColumns {
  return {
    ...callColumnsFromState(view.state),
    transcriptSource: view.transcript.source,
    transcriptVersion: view.transcript.version,
    transcriptStats: view.stats,
  };
}

/** The columns whose value differs between two sets (dates by instant, json by content). */
export function changedColumns<T extends object>(before: T, after: T): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (!sameValue(before[key], after[key])) changed[key] = after[key];
  }
  return changed;
}

/**
 * Equal as stored. The merge hands unchanged values on by reference, so most columns end at the
 * first test; only objects that really were rebuilt pay for a canonical comparison.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return canonicalJson(a) === canonicalJson(b);
}

function segmentFromRow(r: TranscriptSegment): TranscriptState['segments'][number] {
  return {
    role: r.role as TranscriptRole,
    text: r.text,
    secondsFromStart: r.secondsFromStart === null ? null : Number(r.secondsFromStart),
    durationSeconds: r.durationSeconds === null ? null : Number(r.durationSeconds),
    occurredAt: r.occurredAt === null ? null : r.occurredAt.toISOString(),
  };
}
