import { createHash } from 'node:crypto';
import type { FieldVersion, RoleTalkStats, TranscriptSource, TranscriptStats } from '@app/database';
import type { CallEvent, TranscriptRole, TranscriptUtterance } from '@app/vapi';
import { SourceRank, beats, canonicalJson, eventVersion } from '../call-events/call-state';

/** One stored turn. `occurredAt` is set only for live finals, where it is part of their identity. */
export interface SegmentState {
  role: TranscriptRole;
  text: string;
  secondsFromStart: number | null;
  durationSeconds: number | null;
  occurredAt: string | null;
}

/** A call's transcript: its segments and the source (and version) they came from. */
export interface TranscriptState {
  source: TranscriptSource | null;
  /** Null for live finals, which are a union rather than one versioned whole. */
  version: FieldVersion | null;
  segments: SegmentState[];
}

/**
 * True when two transcripts are the same: source, version and every segment. Field by field
 * rather than by canonical JSON: a conversation-update carries the whole history, and this runs
 * for each one.
 */
export function sameTranscript(a: TranscriptState, b: TranscriptState): boolean {
  if (a === b) return true;
  if (a.source !== b.source || a.segments.length !== b.segments.length) return false;
  if (a.version !== b.version) {
    if (a.version === null || b.version === null) return false;
    if (a.version.some((part, i) => part !== b.version![i])) return false;
  }
  return a.segments.every((s, i) => {
    const t = b.segments[i];
    return (
      s.role === t.role &&
      s.text === t.text &&
      s.secondsFromStart === t.secondsFromStart &&
      s.durationSeconds === t.durationSeconds &&
      s.occurredAt === t.occurredAt
    );
  });
}

/** No transcript yet. */
export const EMPTY_TRANSCRIPT: TranscriptState = { source: null, version: null, segments: [] };

/** Transcript sources by precedence, best last. */
const TRANSCRIPT_RANK: Record<TranscriptSource, number> = {
  'live-final': 1,
  conversation: 2,
  report: 3,
};

/** A whole transcript an event offers: a report's, or a conversation-update's full history. */
function offeredWhole(
  event: CallEvent,
): { source: TranscriptSource; utterances: TranscriptUtterance[] } | null {
  if (event.kind === 'end-of-call-report' && event.report?.transcript?.length) {
    return { source: 'report', utterances: event.report.transcript };
  }
  if (event.kind === 'conversation-update' && event.history?.length) {
    return { source: 'conversation', utterances: event.history };
  }
  return null;
}

/** True when folding this event can change a transcript (partials and empty histories cannot). */
export function offersTranscript(event: CallEvent): boolean {
  return offeredWhole(event) !== null || liveFinal(event) !== null;
}

function liveFinal(event: CallEvent): SegmentState | null {
  if (event.kind !== 'transcript' || event.partial || !event.utterance) return null;
  return { ...event.utterance, occurredAt: event.occurredAt };
}

/**
 * Folds one event into a transcript, independently of order: a report beats the
 * conversation-update with the greatest version (each carries the full history), which beats
 * the union of live final utterances (keyed by role, time and text, ordered by time).
 * Partial utterances and empty transcripts never count.
 */
export function mergeTranscript(current: TranscriptState, event: CallEvent): TranscriptState {
  const whole = offeredWhole(event);
  if (whole) {
    const segments = whole.utterances.map((u): SegmentState => ({
      role: u.role,
      text: u.text,
      secondsFromStart: u.secondsFromStart,
      durationSeconds: u.durationSeconds,
      occurredAt: null,
    }));
    const version = eventVersion(event, TRANSCRIPT_RANK[whole.source]);
    return beats(version, segments, currentVersion(current), current.segments)
      ? { source: whole.source, version, segments }
      : current;
  }

  const final = liveFinal(event);
  if (final === null) return current;
  if (current.source !== null && current.source !== 'live-final') return current;
  const key = finalKey(final);
  if (current.segments.some((segment) => finalKey(segment) === key)) return current;
  return {
    source: 'live-final',
    version: null,
    segments: [...current.segments, final].sort(compareFinals),
  };
}

/**
 * True when folding `event` into a stored transcript needs the stored segments themselves, not
 * just its source, version and head: a live final joins the set of stored finals, and a whole
 * transcript with exactly the stored version is decided by comparing segments. Every other
 * event either replaces the stored transcript outright or leaves it as it is.
 */
export function needsStoredSegments(
  stored: Pick<TranscriptState, 'source' | 'version'>,
  event: CallEvent,
): boolean {
  if (stored.source === null) return false;
  const whole = offeredWhole(event);
  if (whole) {
    const version = eventVersion(event, TRANSCRIPT_RANK[whole.source]);
    return stored.version !== null && canonicalJson(version) === canonicalJson(stored.version);
  }
  return liveFinal(event) !== null && stored.source === 'live-final';
}

/**
 * How many segments a transcript has and a rolling digest of them (each step hashes the
 * previous digest with one segment), so a stored transcript can be compared with a longer one
 * without reading it back: the longer one merely grew iff its first `count` segments have the
 * stored digest. PERSISTENT: kept in `calls.transcript_count` / `calls.transcript_digest`.
 */
export interface TranscriptHead {
  count: number;
  digest: string;
}

/** The head of no segments. */
export const EMPTY_HEAD: TranscriptHead = { count: 0, digest: '' };

/** The digests of every prefix of `segments`: `[0]` is the empty one, `[n]` covers all. */
export function prefixDigests(segments: readonly SegmentState[]): string[] {
  const digests = [EMPTY_HEAD.digest];
  for (const segment of segments) {
    const previous = digests[digests.length - 1];
    digests.push(
      createHash('sha256').update(previous).update('\n').update(segmentKey(segment)).digest('hex'),
    );
  }
  return digests;
}

/** The head of a list of segments. */
export function transcriptHead(segments: readonly SegmentState[]): TranscriptHead {
  const digests = prefixDigests(segments);
  return { count: segments.length, digest: digests[digests.length - 1] };
}

/** One segment as the digest sees it: every stored field, in a fixed order. */
function segmentKey(s: SegmentState): string {
  return JSON.stringify([s.role, s.text, s.secondsFromStart, s.durationSeconds, s.occurredAt]);
}

/** Live finals rank below any versioned source; an empty transcript has no version at all. */
function currentVersion(current: TranscriptState): FieldVersion | undefined {
  if (current.version !== null) return current.version;
  return current.source === 'live-final' ? [SourceRank.Live - 1, -1, ''] : undefined;
}

function finalKey(segment: SegmentState): string {
  return canonicalJson([segment.role, segment.occurredAt, segment.text]);
}

function compareFinals(a: SegmentState, b: SegmentState): number {
  const ta = a.occurredAt === null ? -1 : Date.parse(a.occurredAt);
  const tb = b.occurredAt === null ? -1 : Date.parse(b.occurredAt);
  if (ta !== tb) return ta - tb;
  const ka = finalKey(a);
  const kb = finalKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const SPEAKER: Record<TranscriptRole, string> = {
  assistant: 'AI',
  user: 'User',
  system: 'System',
  tool: 'Tool',
};

/** Plain text the way VAPI renders `artifact.transcript`: `AI: …\nUser: …\n`. */
export function renderTranscriptText(segments: readonly SegmentState[]): string | null {
  if (segments.length === 0) return null;
  return segments.map((s) => `${SPEAKER[s.role]}: ${s.text}\n`).join('');
}

/** Turns, words and talk time (sum of known utterance durations), overall and per speaker. */
export function computeTranscriptStats(segments: readonly SegmentState[]): TranscriptStats {
  const empty = (): RoleTalkStats => ({ turns: 0, words: 0, talkSeconds: 0 });
  const byRole = { assistant: empty(), user: empty() };
  const total = empty();
  for (const segment of segments) {
    const words = segment.text.split(/\s+/).filter((w) => w !== '').length;
    const seconds = segment.durationSeconds ?? 0;
    const role =
      segment.role === 'assistant' || segment.role === 'user' ? byRole[segment.role] : null;
    for (const stats of role ? [total, role] : [total]) {
      stats.turns += 1;
      stats.words += words;
      stats.talkSeconds += seconds;
    }
  }
  for (const stats of [total, byRole.assistant, byRole.user]) {
    stats.talkSeconds = Math.round(stats.talkSeconds * 1000) / 1000;
  }
  return { ...total, byRole };
}
