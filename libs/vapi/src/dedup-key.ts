import { createHash } from 'node:crypto';
import type { CallEvent } from './call-event';
import { isJsonObject } from './json-value';

/** A `CallEvent` before its key is known. */
export type UnkeyedCallEvent = Omit<CallEvent, 'dedupKey'>;

/**
 * The fields of an event its key is computed from: what the intake reads from a body (it never
 * builds call facts or reports), and what the worker's full normalisation starts from.
 */
export type DedupFields = Pick<
  UnkeyedCallEvent,
  | 'kind'
  | 'messageType'
  | 'callId'
  | 'occurredAt'
  | 'status'
  | 'endedReason'
  | 'failed'
  | 'utterance'
  | 'partial'
  | 'history'
  | 'recordings'
>;

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
export function computeDedupKey(event: DedupFields, message: unknown): string {
  const tuple: unknown[] = [event.kind, event.callId ?? '', ...discriminator(event, message)];
  return sha256(JSON.stringify(tuple));
}

/** JSON with object keys sorted at every depth, so key order never changes a hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value) ?? null);
}

/**
 * sha256 of the message's canonical JSON minus `artifact`, `presigned*` and its `timestamp`.
 * Written in one pass without copying the message (the intake hashes every unknown kind);
 * PERSISTENT like the key: its output is byte for byte that of the copying original,
 * `JSON.stringify(sortKeys(stripVolatile(message)))` (dedup-key.spec compares the two).
 */
export function stableMessageHash(message: unknown): string {
  const out: string[] = [];
  writeStable(message, out, true);
  return sha256(out.join(''));
}

/**
 * Appends the canonical JSON of a parsed JSON value. Object keys come out in the order
 * `JSON.stringify` gives an object built by inserting the sorted keys: integer-like keys first
 * in numeric order (`Object.keys` already lists them so), then the others sorted. `__proto__`
 * keys are left out, as assigning them into a fresh object (what the original did) drops them.
 */
function writeStable(value: unknown, out: string[], top: boolean): void {
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out.push(',');
      const item: unknown = value[i];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
        out.push('null');
      } else {
        writeStable(item, out, false);
      }
    }
    out.push(']');
    return;
  }
  if (!isJsonObject(value)) {
    out.push(JSON.stringify(value) ?? 'null');
    return;
  }
  const keys = Object.keys(value);
  let firstNamed = 0;
  while (firstNamed < keys.length && isArrayIndex(keys[firstNamed])) firstNamed += 1;
  const named = keys.slice(firstNamed).sort();
  let first = true;
  for (const key of firstNamed === 0 ? named : keys.slice(0, firstNamed).concat(named)) {
    if (key === 'artifact' || key === '__proto__' || (top && key === 'timestamp')) continue;
    if (key.toLowerCase().startsWith('presigned')) continue;
    const inner = value[key];
    if (inner === undefined || typeof inner === 'function' || typeof inner === 'symbol') continue;
    out.push(first ? '{' : ',', JSON.stringify(key), ':');
    first = false;
    writeStable(inner, out, false);
  }
  out.push(first ? '{}' : '}');
}

/** Keys JavaScript enumerates before all others, in numeric order (array indices). */
function isArrayIndex(key: string): boolean {
  if (key.length === 0 || key.length > 10) return false;
  if (key === '0') return true;
  if (key.charCodeAt(0) < 49 || key.charCodeAt(0) > 57) return false;
  for (let i = 1; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return Number(key) < 4294967295;
}

function discriminator(event: DedupFields, message: unknown): unknown[] {
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
