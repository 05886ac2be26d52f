import type { FieldVersion } from '@app/database';
import { statusRank, type CallEvent, type CallStatus, type RecordingRef } from '@app/vapi';

/** What became of a call, derived from its merged state. PERSISTENT (stored as text, filtered on). */
export type CallOutcome =
  | 'completed'
  | 'no-answer'
  | 'busy'
  | 'voicemail'
  | 'forwarded'
  | 'canceled'
  | 'error'
  | 'in-progress'
  | 'unknown';

/**
 * The merged state of one call: what the `calls` row holds apart from the transcript columns.
 * Timestamps are ISO 8601 UTC; money and durations are decimal strings at their column's scale.
 */
export interface CallState {
  id: string;
  status: CallStatus | null;
  type: string | null;
  assistantId: string | null;
  phoneNumberId: string | null;
  customerNumber: string | null;
  createdAt: string | null;
  startedAt: string | null;
  endedAt: string | null;
  endedReason: string | null;
  failed: boolean;
  durationSeconds: string | null;
  cost: string | null;
  costBreakdown: Record<string, unknown> | null;
  costs: unknown[] | null;
  summary: string | null;
  structuredData: unknown;
  successEvaluation: string | null;
  transcriptText: string | null;
  recordingUrl: string | null;
  stereoRecordingUrl: string | null;
  outcome: CallOutcome;
  lastEventAt: string | null;
  /** Version of each merged field that has a value; a field without one was never merged. */
  fieldVersions: Record<string, FieldVersion>;
}

/**
 * Fields merged by version; the rest of `CallState` is a monotonic join or derived.
 * PERSISTENT: these names key `calls.field_versions`; renaming one forgets its stored versions.
 */
export const MERGED_FIELDS = [
  'type',
  'assistantId',
  'phoneNumberId',
  'customerNumber',
  'createdAt',
  'startedAt',
  'endedAt',
  'endedReason',
  'durationSeconds',
  'cost',
  'costBreakdown',
  'costs',
  'summary',
  'structuredData',
  'successEvaluation',
  'transcriptText',
  'recordingUrl',
  'stereoRecordingUrl',
] as const satisfies ReadonlyArray<keyof CallState>;
/** A field merged by version. */
export type MergedField = (typeof MERGED_FIELDS)[number];

const DECIMAL = /^(-?)(\d+)(?:\.(\d*))?$/;

/** Scales of the numeric columns, so state and database print the same decimal string. */
const DURATION_SCALE = 3;
const COST_SCALE = 6;

/** Source ranks, best last: what a field's value came from matters more than when. */
export const SourceRank = {
  Live: 1,
  Status: 2,
  EndStatus: 3,
  Report: 4,
} as const;

/**
 * How authoritative an event is: end-of-call report > ended/failed status > other status >
 * anything else (live events, which carry a snapshot of the call as it was).
 */
export function sourceRank(event: CallEvent): number {
  if (event.kind === 'end-of-call-report') return SourceRank.Report;
  if (event.kind === 'status-update') {
    return event.status === 'ended' || event.failed ? SourceRank.EndStatus : SourceRank.Status;
  }
  return SourceRank.Live;
}

/** `[sourceRank, occurredAtMs, dedupKey]`; events without a timestamp sort before all others. */
export function eventVersion(event: CallEvent, rank: number = sourceRank(event)): FieldVersion {
  const ms = event.occurredAt === null ? Number.NaN : Date.parse(event.occurredAt);
  return [rank, Number.isNaN(ms) ? -1 : ms, event.dedupKey];
}

/** Orders versions: rank, then time, then the dedup key (so equal times stay deterministic). */
export function compareVersions(a: FieldVersion, b: FieldVersion): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] !== b[1]) return a[1] - b[1];
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

/**
 * True when `(offered, offeredValue)` beats `(current, currentValue)`. Equal versions (one event
 * seen twice, or two wire formats of one event) fall back to comparing the values themselves, so
 * the merge is a true join: commutative, associative and idempotent.
 */
export function beats(
  offered: FieldVersion,
  offeredValue: unknown,
  current: FieldVersion | undefined,
  currentValue: unknown,
): boolean {
  if (current === undefined) return true;
  const order = compareVersions(offered, current);
  if (order !== 0) return order > 0;
  return canonicalJson(offeredValue) > canonicalJson(currentValue);
}

/** JSON with object keys sorted at every depth (jsonb does not keep key order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort()) out[key] = sortKeys(source[key]);
  return out;
}

/** A call nothing is known about yet. */
export function emptyCallState(id: string): CallState {
  return {
    id,
    status: null,
    type: null,
    assistantId: null,
    phoneNumberId: null,
    customerNumber: null,
    createdAt: null,
    startedAt: null,
    endedAt: null,
    endedReason: null,
    failed: false,
    durationSeconds: null,
    cost: null,
    costBreakdown: null,
    costs: null,
    summary: null,
    structuredData: null,
    successEvaluation: null,
    transcriptText: null,
    recordingUrl: null,
    stereoRecordingUrl: null,
    outcome: 'in-progress',
    lastEventAt: null,
    fieldVersions: {},
  };
}

/**
 * Folds one event into a call's state. Folding any permutation of any multiset of events
 * (duplicates included) yields the same state, because every part is a join:
 * - each merged field keeps the value with the greatest `(version, value)`; absent values
 *   never overwrite (a later, poorer event cannot erase what a report said);
 * - status keeps the highest rank ever seen (a late `in-progress` never reopens an ended call);
 * - `failed` is sticky, `lastEventAt` is the latest time seen;
 * - `durationSeconds` (when no report gave one) and `outcome` are derived from the result.
 */
export function mergeCallState(current: CallState | null, event: CallEvent): CallState {
  const id = event.callId ?? current?.id;
  if (id === undefined || id === null)
    throw new Error('mergeCallState needs an event with a callId');
  const base = current ?? emptyCallState(id);
  const next: CallState = { ...base, fieldVersions: { ...base.fieldVersions } };

  const version = eventVersion(event);
  const offered = offeredValues(event);
  for (const field of MERGED_FIELDS) {
    const value = offered[field];
    if (value === undefined || value === null) continue;
    if (beats(version, value, next.fieldVersions[field], next[field])) {
      (next as unknown as Record<MergedField, unknown>)[field] = value;
      next.fieldVersions[field] = version;
    }
  }

  const status = offeredStatus(event);
  if (
    status !== undefined &&
    (next.status === null || statusRank(status) > statusRank(next.status))
  ) {
    next.status = status;
  }
  next.failed = next.failed || event.failed === true;
  next.lastEventAt = laterTime(next.lastEventAt, event.occurredAt);

  if (next.fieldVersions.durationSeconds === undefined) {
    next.durationSeconds = elapsedSeconds(next.startedAt, next.endedAt);
  }
  next.outcome = classifyOutcome(next.endedReason, next);
  return next;
}

/** The status an event implies: a report or a failure means the call has ended. */
function offeredStatus(event: CallEvent): CallStatus | undefined {
  if (event.status !== undefined) return event.status;
  if (event.kind === 'end-of-call-report' || event.failed) return 'ended';
  return undefined;
}

/** The value an event offers for each merged field (undefined when it says nothing). */
function offeredValues(event: CallEvent): Partial<Record<MergedField, unknown>> {
  const report = event.report;
  const recordings: RecordingRef[] = [...(event.recordings ?? []), ...(report?.recordings ?? [])];
  return {
    type: event.call.type,
    assistantId: event.call.assistantId,
    phoneNumberId: event.call.phoneNumberId,
    customerNumber: event.call.customerNumber,
    createdAt: isoOrUndefined(event.call.createdAt),
    startedAt: isoOrUndefined(event.call.startedAt),
    endedAt: isoOrUndefined(event.call.endedAt),
    endedReason: event.endedReason ?? report?.endedReason,
    durationSeconds:
      report?.durationSeconds === undefined
        ? undefined
        : toDecimalString(report.durationSeconds, DURATION_SCALE),
    cost: report?.cost === undefined ? undefined : toDecimalString(report.cost, COST_SCALE),
    costBreakdown: report?.costBreakdown,
    costs: report?.costs,
    summary: report?.summary,
    structuredData: report?.structuredData,
    successEvaluation: report?.successEvaluation,
    transcriptText: report?.transcriptText,
    recordingUrl: recordings.find((r) => r.kind === 'mono')?.url,
    stereoRecordingUrl: recordings.find((r) => r.kind === 'stereo')?.url,
  };
}

function isoOrUndefined(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function laterTime(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** `endedAt - startedAt` in seconds, when both are known and in order. */
function elapsedSeconds(startedAt: string | null, endedAt: string | null): string | null {
  if (startedAt === null || endedAt === null) return null;
  const ms = Date.parse(endedAt) - Date.parse(startedAt);
  // numeric(12,3) holds under 1e9 s; a wider span is from a nonsense time, not a call.
  return Number.isFinite(ms) && ms >= 0 && ms < 1e12
    ? toDecimalString(ms / 1000, DURATION_SCALE)
    : null;
}

/**
 * A number or decimal string printed the way Postgres prints `numeric(p, scale)`: exactly
 * `scale` fraction digits, rounded half away from zero. Decimal strings are rounded exactly.
 */
export function toDecimalString(value: number | string, scale: number): string | null {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) {
    // Exponent notation (1e-7): fixed-point it first; beyond 1e21 toFixed stays exponential.
    const fixed = Number(text).toFixed(scale + 2);
    return DECIMAL.test(fixed) ? toDecimalString(fixed, scale) : null;
  }
  const [, sign, whole, fraction = ''] = match;
  const kept = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  const rounded = fraction.length > scale && fraction[scale] >= '5' ? kept + 1n : kept;
  const digits = rounded.toString().padStart(scale + 1, '0');
  const printed =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(-scale)}`;
  return rounded === 0n ? printed : `${sign}${printed}`;
}

/** endedReason values (lower-case) whose family is known exactly (PROTOCOL.md §3). */
const OUTCOME_BY_REASON: ReadonlyMap<string, CallOutcome> = new Map<string, CallOutcome>([
  ['customer-ended-call', 'completed'],
  ['assistant-ended-call', 'completed'],
  ['assistant-said-end-call-phrase', 'completed'],
  ['exceeded-max-duration', 'completed'],
  ['silence-timed-out', 'completed'],
  ['customer-did-not-answer', 'no-answer'],
  ['no-answer', 'no-answer'],
  ['twilio-failed-to-connect-call', 'no-answer'],
  ['customer-did-not-give-microphone-permission', 'no-answer'],
  ['twilio-reported-customer-misdialed', 'no-answer'],
  ['vonage-rejected', 'no-answer'],
  ['call.forwarding.no-answer', 'no-answer'],
  ['customer-busy', 'busy'],
  ['voicemail', 'voicemail'],
  ['assistant-forwarded-call', 'forwarded'],
  ['manually-canceled', 'canceled'],
  ['worker-shutdown', 'error'],
  ['phone-call-provider-closed-websocket', 'error'],
  ['assistant-not-found', 'error'],
  ['assistant-not-valid', 'error'],
]);

/** Families by pattern, first match wins: errors before anything that could also match them. */
const OUTCOME_PATTERNS: ReadonlyArray<[RegExp, CallOutcome]> = [
  [/error|fault/, 'error'], // pipeline-error-*, call.start.error-*, call.in-progress.error-*
  [/^assistant-request-/, 'error'],
  [/busy/, 'busy'],
  [/^call\.ringing\./, 'no-answer'],
  [/deleted$/, 'canceled'],
  [/^assistant-ended-call/, 'completed'],
  [/completed/, 'completed'],
];

/**
 * Classifies a call by its `endedReason` families (PROTOCOL.md §3; unknown values are opaque).
 * Without a recognised reason: not ended → in-progress; failed → error; connected
 * (`startedAt` known) → completed; otherwise unknown.
 */
export function classifyOutcome(
  endedReason: string | null | undefined,
  call: { failed: boolean; startedAt: string | null; status: CallStatus | null },
): CallOutcome {
  const reason = endedReason?.trim().toLowerCase() ?? '';
  if (reason === '' && call.status !== 'ended' && !call.failed) return 'in-progress';
  const known =
    OUTCOME_BY_REASON.get(reason) ??
    OUTCOME_PATTERNS.find(([pattern]) => pattern.test(reason))?.[1];
  if (reason !== '' && known !== undefined) return known;
  if (call.failed) return 'error';
  return call.startedAt !== null ? 'completed' : 'unknown';
}
