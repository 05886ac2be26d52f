import { callFactsFrom } from './call-facts';
import { reportFromLegacyCall } from './call-report';
import type { UnkeyedCallEvent } from './dedup-key';
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

/**
 * Normalises a legacy body (everything but the dedup key). It carries no timestamp, so
 * `occurredAt` is the most specific time in the call: `startedAt` for a start, `endedAt` for an
 * end or failure (and a recording), the last transcript item's time for a transcript update.
 */
export function normalizeLegacyBody(body: JsonObject): UnkeyedCallEvent {
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
  const base = { messageType: type, callId, call: callFactsFrom(call) };
  switch (type) {
    case 'call.started':
      return {
        ...base,
        kind: 'status-update',
        occurredAt: parseTimestamp(call.startedAt),
        status: 'in-progress',
      };
    case 'call.ended': {
      const report = reportFromLegacyCall(call);
      return compact<UnkeyedCallEvent>({
        ...base,
        kind: 'end-of-call-report',
        occurredAt: parseTimestamp(call.endedAt),
        status: 'ended',
        endedReason: report.endedReason,
        report,
        recordings: report.recordings,
      });
    }
    case 'call.failed':
      return compact<UnkeyedCallEvent>({
        ...base,
        kind: 'status-update',
        occurredAt: parseTimestamp(call.endedAt),
        status: 'ended',
        failed: true,
        endedReason: str(call.endReason) ?? str(call.endedReason),
      });
    case 'transcript.updated':
      return {
        ...base,
        kind: 'conversation-update',
        occurredAt: lastItemTime(call.transcript),
        history: utterancesFromLegacyTranscript(call.transcript, call.startedAt) ?? [],
      };
    case 'recording.ready':
      return {
        ...base,
        kind: 'recording-ready',
        occurredAt: parseTimestamp(call.endedAt),
        recordings: collectRecordings(call),
      };
  }
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
