import type { NewCallChange } from '@app/database';
import {
  prefixDigests,
  transcriptHead,
  type SegmentState,
  type TranscriptHead,
} from '../transcripts/transcript-state';
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

/** How a transcript changed, as the feed tells it. */
export interface SegmentDelta {
  fromSeq: number;
  replaced: boolean;
  segments: SegmentChange[];
}

/**
 * The feed entries one committed fold of a call produces, in a fixed order (status, transcript,
 * summary), from its state before and after and how its transcript changed (null: it did not).
 * Nothing changed, nothing sent.
 */
export function callChanges(
  before: CallState | null,
  after: CallState,
  transcript: SegmentDelta | null,
): NewCallChange[] {
  const changes: NewCallChange[] = [];
  const callId = after.id;
  if (changedAny(before, after, STATUS_FIELDS)) {
    changes.push({ callId, kind: 'status', data: pick(after, STATUS_FIELDS) });
  }
  if (transcript !== null) {
    changes.push({ callId, kind: 'transcript', data: { ...transcript } });
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
): SegmentDelta | null {
  return segmentDelta(transcriptHead(before), after);
}

/**
 * Like `segmentChanges`, knowing only the head of the transcript before: a transcript that only
 * grew is sent as the appended segments (`replaced: false`, `fromSeq` = how many were there);
 * any other change is sent whole (`replaced: true`).
 */
export function segmentDelta(
  before: TranscriptHead,
  after: readonly SegmentState[],
): SegmentDelta | null {
  if (after.length < before.count)
    return { fromSeq: 0, replaced: true, segments: numbered(after, 0) };
  const kept = prefixDigests(after.slice(0, before.count))[before.count] === before.digest;
  if (kept && after.length === before.count) return null;
  if (kept)
    return { fromSeq: before.count, replaced: false, segments: numbered(after, before.count) };
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
