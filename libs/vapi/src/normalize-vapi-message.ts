import { CALL_STATUSES, type CallEventKind, type CallStatus } from './call-event';
import { callFactsFrom, isoOrUndefined } from './call-facts';
import { reportFromVapiMessage } from './call-report';
import type { DedupFields, UnkeyedCallEvent } from './dedup-key';
import { compact, num, obj, roundSeconds, str, type JsonObject } from './json-value';
import { parseTimestamp } from './timestamp';
import { isSpokenRole, normalizeRole, utterancesFromMessages } from './transcript';
import { WebhookValidationError, checkedCallId } from './webhook-validation.error';

const KIND_BY_TYPE: ReadonlyMap<string, CallEventKind> = new Map<string, CallEventKind>([
  ['status-update', 'status-update'],
  ['end-of-call-report', 'end-of-call-report'],
  ['transcript', 'transcript'],
  ['conversation-update', 'conversation-update'],
  ['speech-update', 'speech-update'],
  ['hang', 'hang'],
  ['user-interrupted', 'user-interrupted'],
  ['tool-calls', 'tool-calls'],
  ['assistant-request', 'assistant-request'],
  ['transfer-destination-request', 'transfer-destination-request'],
  ['knowledge-base-request', 'knowledge-base-request'],
]);

/** Kinds that change a call's record, so they are useless without knowing which call. */
const NEEDS_CALL_ID: ReadonlySet<CallEventKind> = new Set<CallEventKind>([
  'status-update',
  'end-of-call-report',
  'transcript',
  'conversation-update',
]);

/** Maps a VAPI `message.type` to a kind; unknown types are `other`, never an error. */
export function kindOfMessageType(type: string): CallEventKind {
  // Final-only subscribers may receive the subscription string itself as the type.
  if (type.startsWith('transcript[')) return 'transcript';
  return KIND_BY_TYPE.get(type) ?? 'other';
}

/** Type guard for the statuses VAPI calls move through (`not-found` etc. are not among them). */
export function isCallStatus(value: unknown): value is CallStatus {
  return (CALL_STATUSES as readonly unknown[]).includes(value);
}

/** A validated VAPI message with the fields its identity depends on. */
export interface IdentifiedVapiMessage {
  message: JsonObject;
  call: JsonObject | undefined;
  fields: DedupFields;
}

/**
 * Validates the `message` of a VAPI `{"message": {...}}` body and reads only what its dedup key
 * needs: the intake's whole share of normalisation. Throws `WebhookValidationError` exactly when
 * `normalizeVapiMessage` would, since that is built on it.
 */
export function identifyVapiMessage(value: unknown): IdentifiedVapiMessage {
  const message = obj(value);
  if (!message) throw new WebhookValidationError('message must be a JSON object');
  const type = typeof message.type === 'string' ? message.type.trim() : '';
  if (type === '') throw new WebhookValidationError('message.type must be a non-empty string');
  const kind = kindOfMessageType(type);
  const call = obj(message.call);
  const callId = checkedCallId(str(call?.id), 'message.call.id') ?? null;
  if (callId === null && NEEDS_CALL_ID.has(kind)) {
    throw new WebhookValidationError(`message.call.id is required for ${type}`);
  }
  const base: DedupFields = {
    kind,
    messageType: type,
    callId,
    occurredAt: parseTimestamp(message.timestamp),
  };
  switch (kind) {
    case 'status-update':
      return { message, call, fields: statusUpdate(base, message, call) };
    case 'end-of-call-report':
      // The report itself is read by the worker; the key of a report is its call.
      return { message, call, fields: { ...base, status: 'ended' } };
    case 'transcript':
      return { message, call, fields: transcript(base, message) };
    case 'conversation-update':
      return {
        message,
        call,
        fields: {
          ...base,
          history:
            utterancesFromMessages(message.messages) ??
            utterancesFromMessages(obj(message.artifact)?.messages) ??
            [],
        },
      };
    default:
      return { message, call, fields: base };
  }
}

/** Normalises the `message` of a VAPI `{"message": {...}}` body (everything but the dedup key). */
export function normalizeVapiMessage(value: unknown): UnkeyedCallEvent {
  return completeVapiMessage(identifyVapiMessage(value));
}

/** Adds to an identified message what only the worker needs: call facts and the report. */
export function completeVapiMessage({
  message,
  call,
  fields,
}: IdentifiedVapiMessage): UnkeyedCallEvent {
  const { kind, messageType, callId, occurredAt, ...rest } = fields;
  const event: UnkeyedCallEvent = {
    kind,
    messageType,
    callId,
    occurredAt,
    call: callFactsFrom(call, message),
    ...rest,
  };
  return kind === 'end-of-call-report' ? endOfCallReport(event, message, call) : event;
}

/**
 * A status outside CALL_STATUSES (`not-found`, `deletion-failed`, anything newer) becomes kind
 * `other`: it is logged like any unknown message but never moves a call's status.
 */
function statusUpdate(
  base: DedupFields,
  message: JsonObject,
  call: JsonObject | undefined,
): DedupFields {
  const status = str(message.status);
  if (status === undefined) {
    throw new WebhookValidationError(`message.status is required for ${base.messageType}`);
  }
  if (!isCallStatus(status)) return { ...base, kind: 'other' };
  const endedReason =
    str(message.endedReason) ?? (status === 'ended' ? str(call?.endedReason) : undefined);
  return compact<DedupFields>({ ...base, status, endedReason });
}

function endOfCallReport(
  base: UnkeyedCallEvent,
  message: JsonObject,
  call: JsonObject | undefined,
): UnkeyedCallEvent {
  const report = reportFromVapiMessage(message, call);
  return compact<UnkeyedCallEvent>({
    ...base,
    status: 'ended',
    endedReason: report.endedReason,
    call: compact({
      ...base.call,
      startedAt: isoOrUndefined(message.startedAt) ?? base.call.startedAt,
      endedAt: isoOrUndefined(message.endedAt) ?? base.call.endedAt,
    }),
    report,
    recordings: report.recordings,
  });
}

/**
 * A `transcript` carries one utterance. It has no offset of its own (the timestamp is when the
 * message was sent, not when speech began), so `secondsFromStart` is null unless VAPI adds one.
 */
function transcript(base: DedupFields, message: JsonObject): DedupFields {
  const transcriptType =
    str(message.transcriptType) ?? transcriptTypeFromSubscription(base.messageType);
  const role = normalizeRole(message.role);
  const text = message.transcript;
  const seconds = num(message.secondsFromStart);
  const utterance =
    isSpokenRole(role) && typeof text === 'string' && text.trim() !== ''
      ? {
          role,
          text,
          secondsFromStart: seconds === undefined ? null : roundSeconds(seconds),
          durationSeconds: null,
        }
      : undefined;
  return compact<DedupFields>({ ...base, utterance, partial: transcriptType === 'partial' });
}

/** `transcript[transcriptType="final"]` → `final`; a plain `transcript` with no type is final. */
function transcriptTypeFromSubscription(type: string): string {
  return /transcriptType\s*=\s*"?partial"?/.exec(type) ? 'partial' : 'final';
}
