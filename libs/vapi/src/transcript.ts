import type { TranscriptRole, TranscriptUtterance } from './call-event';
import { num, obj, roundSeconds } from './json-value';
import { millisBetween } from './timestamp';

const ROLES: ReadonlyMap<string, TranscriptRole> = new Map<string, TranscriptRole>([
  ['assistant', 'assistant'],
  ['bot', 'assistant'],
  ['user', 'user'],
  ['customer', 'user'],
  ['system', 'system'],
  ['tool', 'tool'],
  ['tool_calls', 'tool'],
  ['tool_call_result', 'tool'],
  ['function_call', 'tool'],
  ['function_result', 'tool'],
]);

/** Maps a wire role (`bot`, `user`, `tool_calls`, …) to a `TranscriptRole`; null if unknown. */
export function normalizeRole(role: unknown): TranscriptRole | null {
  return typeof role === 'string' ? (ROLES.get(role.toLowerCase()) ?? null) : null;
}

/** True for roles that are speech; the system prompt and tool traffic are not transcript. */
export function isSpokenRole(role: TranscriptRole | null): role is 'user' | 'assistant' {
  return role === 'user' || role === 'assistant';
}

/**
 * Utterances from VAPI message items (`artifact.messages`, `conversation-update.messages`,
 * legacy top-level `messages`): spoken turns only, in order, `bot` renamed `assistant`.
 * Undefined when `messages` is not an array, so callers can fall back to another source.
 */
export function utterancesFromMessages(messages: unknown): TranscriptUtterance[] | undefined {
  if (!Array.isArray(messages)) return undefined;
  const utterances: TranscriptUtterance[] = [];
  for (const raw of messages) {
    const item = obj(raw);
    const role = normalizeRole(item?.role);
    const text = item ? textOf(item.message ?? item.content) : undefined;
    if (!item || !isSpokenRole(role) || text === undefined) continue;
    const seconds = num(item.secondsFromStart);
    utterances.push({
      role,
      text,
      secondsFromStart: seconds === undefined ? null : roundSeconds(seconds),
      durationSeconds: durationOf(item),
    });
  }
  return utterances;
}

/**
 * Utterances from the legacy `call.transcript` (`[{timestamp, role, message}]`). The legacy
 * format has no offsets; they are derived from `startedAt` when both times are present.
 */
export function utterancesFromLegacyTranscript(
  items: unknown,
  startedAt: unknown,
): TranscriptUtterance[] | undefined {
  if (!Array.isArray(items)) return undefined;
  const utterances: TranscriptUtterance[] = [];
  for (const raw of items) {
    const item = obj(raw);
    const role = normalizeRole(item?.role);
    const text = item ? textOf(item.message ?? item.text ?? item.content) : undefined;
    if (!item || !isSpokenRole(role) || text === undefined) continue;
    const offsetMs = millisBetween(startedAt, item.timestamp);
    utterances.push({
      role,
      text,
      secondsFromStart: offsetMs === undefined ? null : roundSeconds(offsetMs / 1000),
      durationSeconds: null,
    });
  }
  return utterances;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** `endTime - time` is exact; `duration` is the fallback and is in ms in real payloads. */
function durationOf(item: Record<string, unknown>): number | null {
  const time = num(item.time);
  const endTime = num(item.endTime);
  if (time !== undefined && endTime !== undefined && endTime >= time) {
    return roundSeconds((endTime - time) / 1000);
  }
  const durationMs = num(item.duration);
  return durationMs === undefined ? null : roundSeconds(durationMs / 1000);
}
