/**
 * The one internal event that both VAPI's `{"message": {...}}` bodies and the older
 * `{"type": "call.*", "call": {...}}` bodies are normalised into. Nothing downstream of
 * `normalizeWebhook` may know which format arrived.
 */

/** VAPI call statuses in the order a call moves through them (PROTOCOL.md §2). */
export const CALL_STATUSES = [
  'scheduled',
  'queued',
  'ringing',
  'in-progress',
  'forwarding',
  'ended',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Rank used to keep status monotonic: a late `in-progress` never reopens an `ended` call. */
export function statusRank(status: CallStatus): number {
  return CALL_STATUSES.indexOf(status);
}

/**
 * What happened, independent of wire format. `call.started` → `status-update` (in-progress);
 * `call.ended` → `end-of-call-report`; `call.failed` → `status-update` (ended, failed);
 * `transcript.updated` → `conversation-update`; `recording.ready` → `recording-ready`.
 */
export type CallEventKind =
  | 'status-update'
  | 'end-of-call-report'
  | 'transcript'
  | 'conversation-update'
  | 'recording-ready'
  | 'speech-update'
  | 'hang'
  | 'user-interrupted'
  | 'tool-calls'
  | 'assistant-request'
  | 'transfer-destination-request'
  | 'knowledge-base-request'
  | 'other';

/** Transcript roles after normalisation: VAPI's `bot` becomes `assistant`. */
export type TranscriptRole = 'user' | 'assistant' | 'system' | 'tool';

export interface TranscriptUtterance {
  role: TranscriptRole;
  text: string;
  /** Seconds since the call started; null when the source gives no timing. */
  secondsFromStart: number | null;
  /** Utterance length in seconds; null when unknown. */
  durationSeconds: number | null;
}

export type RecordingKind = 'mono' | 'stereo' | 'assistant' | 'customer' | 'video';

export interface RecordingRef {
  kind: RecordingKind;
  /** The stable (non-presigned) URL VAPI gives for this recording. */
  url: string;
}

/** Call facts an event carries. Every field is optional: early events carry little. */
export interface CallFacts {
  type?: string;
  assistantId?: string;
  phoneNumberId?: string;
  customerNumber?: string;
  createdAt?: string;
  startedAt?: string;
  endedAt?: string;
}

/** What an end-of-call report (or the legacy `call.ended`) adds. */
export interface CallReport {
  endedReason?: string;
  durationSeconds?: number;
  /** USD as a decimal string so no float rounding creeps in before Postgres `numeric`. */
  cost?: string;
  costBreakdown?: Record<string, unknown>;
  costs?: unknown[];
  summary?: string;
  structuredData?: unknown;
  successEvaluation?: string;
  /** Full transcript of the call, in order (system prompt and tool messages excluded). */
  transcript?: TranscriptUtterance[];
  /** Plain text transcript as VAPI renders it (`AI: …\nUser: …`), when given. */
  transcriptText?: string;
  recordings?: RecordingRef[];
}

export interface CallEvent {
  /**
   * Deterministic identity of this event, derived from its meaningful content (never from the
   * whole body: presigned URLs differ between deliveries). Redeliveries share it; it is the
   * BullMQ job id and the unique key of the event log. Safe for BullMQ (no ':').
   */
  dedupKey: string;
  kind: CallEventKind;
  /** The `type` exactly as received, kept for the event log (e.g. `model-output`). */
  messageType: string;
  /** VAPI call id; null only for message types that carry no call (recorded, not applied). */
  callId: string | null;
  /** When VAPI says it happened (ISO 8601); null if the body has no usable timestamp. */
  occurredAt: string | null;
  status?: CallStatus;
  /** True when the call ended in failure as reported by the sender (legacy `call.failed`). */
  failed?: boolean;
  endedReason?: string;
  call: CallFacts;
  /** `transcript` (final only) → one utterance; `conversation-update` → the whole history. */
  utterance?: TranscriptUtterance;
  /** True for `transcript` messages with transcriptType=partial: recorded, never stored as a segment. */
  partial?: boolean;
  history?: TranscriptUtterance[];
  report?: CallReport;
  /** Recording URLs this event makes known (end-of-call report, legacy `recording.ready`). */
  recordings?: RecordingRef[];
}
