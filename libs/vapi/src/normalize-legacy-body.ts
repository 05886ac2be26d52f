import { callFactsFrom } from './call-facts';
import { reportFromLegacyCall } from './call-report';
import type { DedupFields, UnkeyedCallEvent } from './dedup-key';
import { compact, obj, str, type JsonObject } from './json-value';
import { collectRecordings } from './recordings';
import { parseTimestamp } from './timestamp';
import { utterancesFromLegacyTranscript } from './transcript';
import { WebhookValidationError, checkedCallId } from './webhook-validation.error';

/** Event types of the legacy `{"type": "call.*", "call": {...}}` format (PROTOCOL.md §10). */
export const LEGACY_EVENT_TYPES = [
  'call.started',
  'call.ended',
  'call.failed',
  'transcript.updated',
  'recording.ready',
] as const;
export type LegacyEventType = (typeof LEGACY_EVENT_TYPES)[number];

/** Keeps error messages one short line even when a sender puts a novel in `type`. */
const MAX_ECHOED_TYPE = 100;

/** A validated legacy body with the fields its identity depends on. */
export interface IdentifiedLegacyBody {
  call: JsonObject;
  fields: DedupFields;
}

/**
 * Validates a legacy body and reads only what its dedup key needs. It carries no timestamp, so
 * `occurredAt` is the most specific time in the call: `startedAt` for a start, `endedAt` for an
 * end or failure (and a recording), the last transcript item's time for a transcript update.
 */
export function identifyLegacyBody(body: JsonObject): IdentifiedLegacyBody {
  const type = typeof body.type === 'string' ? body.type.trim() : '';
  if (type === '') throw new WebhookValidationError('type must be a non-empty string');
  if (!isLegacyEventType(type)) {
    throw new WebhookValidationError(`unknown legacy event type ${type.slice(0, MAX_ECHOED_TYPE)}`);
  }
  const call = obj(body.call);
  const callId = checkedCallId(str(call?.id), 'call.id');
  if (!call || callId === undefined) {
    throw new WebhookValidationError(`call.id is required for ${type}`);
  }
  const base = { messageType: type, callId };
  switch (type) {
    case 'call.started':
      return {
        call,
        fields: {
          ...base,
          kind: 'status-update',
          occurredAt: parseTimestamp(call.startedAt),
          status: 'in-progress',
        },
      };
    case 'call.ended':
      // The report itself is read by the worker; the key of a report is its call.
      return {
        call,
        fields: {
          ...base,
          kind: 'end-of-call-report',
          occurredAt: parseTimestamp(call.endedAt),
          status: 'ended',
        },
      };
    case 'call.failed':
      return {
        call,
        fields: compact<DedupFields>({
          ...base,
          kind: 'status-update',
          occurredAt: parseTimestamp(call.endedAt),
          status: 'ended',
          failed: true,
          endedReason: str(call.endReason) ?? str(call.endedReason),
        }),
      };
    case 'transcript.updated':
      return {
        call,
        fields: {
          ...base,
          kind: 'conversation-update',
          occurredAt: lastItemTime(call.transcript),
          history: utterancesFromLegacyTranscript(call.transcript, call.startedAt) ?? [],
        },
      };
    case 'recording.ready':
      return {
        call,
        fields: {
          ...base,
          kind: 'recording-ready',
          occurredAt: parseTimestamp(call.endedAt),
          recordings: collectRecordings(call),
        },
      };
  }
}

/** Normalises a legacy body (everything but the dedup key). */
export function normalizeLegacyBody(body: JsonObject): UnkeyedCallEvent {
  return completeLegacyBody(identifyLegacyBody(body));
}

/** Adds to an identified legacy body what only the worker needs: call facts and the report. */
export function completeLegacyBody({ call, fields }: IdentifiedLegacyBody): UnkeyedCallEvent {
  const event: UnkeyedCallEvent = { ...fields, call: callFactsFrom(call) };
  if (fields.kind !== 'end-of-call-report') return event;
  const report = reportFromLegacyCall(call);
  return compact<UnkeyedCallEvent>({
    ...event,
    endedReason: report.endedReason,
    report,
    recordings: report.recordings,
  });
}

function isLegacyEventType(type: string): type is LegacyEventType {
  return (LEGACY_EVENT_TYPES as readonly string[]).includes(type);
}

function lastItemTime(items: unknown): string | null {
  if (!Array.isArray(items)) return null;
  for (let i = items.length - 1; i >= 0; i--) {
    const time = parseTimestamp(obj(items[i])?.timestamp);
    if (time !== null) return time;
  }
  return null;
}
