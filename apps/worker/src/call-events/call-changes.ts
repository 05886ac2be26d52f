import type { NewCallChange } from '@app/database';
import type { SegmentState, TranscriptState } from '../transcripts/transcript-state';
import { canonicalJson, type CallState } from './call-state';

/** Fields whose change is a `status` change of the feed. */
const STATUS_FIELDS = [
  'status',
  'outcome',
  'endedReason',
  'failed',
  'startedAt',
  'endedAt',
] as const;

/** Fields an end-of-call report brings: their change is a `summary` change of the feed. */
const SUMMARY_FIELDS = [
  'summary',
  'cost',
  'costBreakdown',
  'durationSeconds',
  'successEvaluation',
  'structuredData',
] as const;

/** A stored segment as the feed shows it: its position in the call's transcript and its turn. */
export interface SegmentChange {
  seq: number;
  role: SegmentState['role'];
  text: string;
  secondsFromStart: number | null;
  durationSeconds: number | null;
}

/**
 * The feed entries one committed fold of a call produces, in a fixed order (status, transcript,
 * summary), from its state and transcript before and after. A transcript that only grew is sent
 * as the appended segments (`replaced: false`, `fromSeq` = how many were there); any other
 * transcript change is sent whole (`replaced: true`). Nothing changed, nothing sent.
 */
export function callChanges(
  before: CallState | null,
  after: CallState,
  transcriptBefore: TranscriptState,
  transcriptAfter: TranscriptState,
): NewCallChange[] {
  const changes: NewCallChange[] = [];
  const callId = after.id;
  if (changedAny(before, after, STATUS_FIELDS)) {
    changes.push({ callId, kind: 'status', data: pick(after, STATUS_FIELDS) });
  }
  const segments = segmentChanges(transcriptBefore.segments, transcriptAfter.segments);
  if (segments !== null) {
    changes.push({ callId, kind: 'transcript', data: { ...segments } });
  }
  if (changedAny(before, after, SUMMARY_FIELDS)) {
    changes.push({ callId, kind: 'summary', data: pick(after, SUMMARY_FIELDS) });
  }
  return changes;
}

/** The appended tail of a transcript that only grew, the whole of one that changed, or null. */
export function segmentChanges(
  before: readonly SegmentState[],
  after: readonly SegmentState[],
): { fromSeq: number; replaced: boolean; segments: SegmentChange[] } | null {
  const grew = after.length > before.length && before.every((s, i) => sameSegment(s, after[i]));
  if (grew) {
    return { fromSeq: before.length, replaced: false, segments: numbered(after, before.length) };
  }
  if (after.length === before.length && after.every((s, i) => sameSegment(s, before[i]))) {
    return null;
  }
  return { fromSeq: 0, replaced: true, segments: numbered(after, 0) };
}

function numbered(segments: readonly SegmentState[], from: number): SegmentChange[] {
  return segments.slice(from).map((s, i) => ({
    seq: from + i,
    role: s.role,
    text: s.text,
    secondsFromStart: s.secondsFromStart,
    durationSeconds: s.durationSeconds,
  }));
}

function sameSegment(a: SegmentState, b: SegmentState): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function changedAny(
  before: CallState | null,
  after: CallState,
  fields: readonly (keyof CallState)[],
): boolean {
  if (before === null) return fields.some((f) => after[f] !== null && after[f] !== false);
  return fields.some((f) => canonicalJson(before[f]) !== canonicalJson(after[f]));
}

function pick(state: CallState, fields: readonly (keyof CallState)[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, state[f]]));
}
