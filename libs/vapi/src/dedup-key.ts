import { createHash } from 'node:crypto';
import type { CallEvent } from './call-event';
import { isJsonObject } from './json-value';

/** A `CallEvent` before its key is known. */
export type UnkeyedCallEvent = Omit<CallEvent, 'dedupKey'>;

/**
 * Deterministic identity of an event: sha256 (hex) of `[kind, callId, …discriminator]`.
 * The discriminator uses normalised fields, so the same event in either wire format gets the
 * same key, and never reads `artifact` or `presigned*` values, which change between retries.
 * - status-update: status, endedReason (a status is entered once per call)
 * - end-of-call-report: nothing (one per call)
 * - transcript: role, partial/final, occurredAt, text
 * - conversation-update: occurredAt, history length, hash of the history's roles and texts
 * - recording-ready: the sorted recordings
 * - anything else: messageType, occurredAt, hash of the message without volatile keys
 *
 * PERSISTENT: keys are stored in the event log and used as job ids; changing this function
 * makes redeliveries of already-accepted events look new.
 */
export function computeDedupKey(event: UnkeyedCallEvent, message: unknown): string {
  const tuple: unknown[] = [event.kind, event.callId ?? '', ...discriminator(event, message)];
  return sha256(JSON.stringify(tuple));
}

/** JSON with object keys sorted at every depth, so key order never changes a hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value) ?? null);
}

/** sha256 of the message's canonical JSON minus `artifact`, `presigned*` and its `timestamp`. */
export function stableMessageHash(message: unknown): string {
  const stripped = stripVolatile(message);
  if (isJsonObject(stripped)) delete stripped.timestamp;
  return sha256(canonicalJson(stripped));
}

function discriminator(event: UnkeyedCallEvent, message: unknown): unknown[] {
  const occurredAt = event.occurredAt ?? '';
  switch (event.kind) {
    case 'status-update':
      return [event.status ?? '', event.endedReason ?? ''];
    case 'end-of-call-report':
      return [];
    case 'transcript': {
      const transcriptType = event.partial ? 'partial' : 'final';
      return event.utterance
        ? [event.utterance.role, transcriptType, occurredAt, event.utterance.text]
        : [transcriptType, occurredAt, stableMessageHash(message)];
    }
    case 'conversation-update': {
      const history = (event.history ?? []).map((u) => [u.role, u.text]);
      return [occurredAt, history.length, sha256(JSON.stringify(history))];
    }
    case 'recording-ready':
      return (event.recordings ?? []).map((r) => `${r.kind} ${r.url}`).sort();
    default:
      return [event.messageType, occurredAt, stableMessageHash(message)];
  }
}

function stripVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripVolatile);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'artifact' || key.toLowerCase().startsWith('presigned')) continue;
    out[key] = stripVolatile(inner);
  }
  return out;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
  return out;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
