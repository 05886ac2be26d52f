import type { CallReport } from './call-event';
import { compact, num, obj, roundSeconds, str, type JsonObject } from './json-value';
import { collectRecordings } from './recordings';
import { millisBetween } from './timestamp';
import { utterancesFromLegacyTranscript, utterancesFromMessages } from './transcript';

const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * The report of a VAPI `end-of-call-report`. Current fields (`analysis`, `artifact`) win over
 * the legacy top-level ones (`summary`, `transcript`, `messages`, `recordingUrl`, …), and the
 * message wins over its `call`, which repeats most of it.
 */
export function reportFromVapiMessage(
  message: JsonObject,
  call: JsonObject | undefined,
): CallReport {
  const analysis = obj(message.analysis) ?? obj(call?.analysis);
  const artifact = obj(message.artifact) ?? obj(call?.artifact);
  const recordings = collectRecordings(artifact, message, call);
  return compact<CallReport>({
    endedReason: str(message.endedReason) ?? str(call?.endedReason),
    durationSeconds: vapiDurationSeconds(message, call),
    cost: costString(message.cost ?? call?.cost),
    costBreakdown: obj(message.costBreakdown) ?? obj(call?.costBreakdown),
    costs: arrayOrUndefined(message.costs) ?? arrayOrUndefined(call?.costs),
    summary: str(analysis?.summary) ?? str(message.summary) ?? str(call?.summary),
    structuredData: analysis?.structuredData,
    successEvaluation: evaluationString(analysis?.successEvaluation),
    transcript:
      utterancesFromMessages(artifact?.messages) ??
      utterancesFromMessages(message.messages) ??
      utterancesFromMessages(call?.messages),
    transcriptText: str(artifact?.transcript) ?? str(message.transcript) ?? str(call?.transcript),
    recordings: recordings.length > 0 ? recordings : undefined,
  });
}

/** The report a legacy `call.ended` carries: `duration` in seconds, `transcript` items, `recordingUrl`. */
export function reportFromLegacyCall(call: JsonObject): CallReport {
  const recordings = collectRecordings(call);
  return compact<CallReport>({
    endedReason: str(call.endedReason) ?? str(call.endReason),
    durationSeconds: boundedSeconds(
      num(call.duration) ?? elapsedSeconds(call.startedAt, call.endedAt),
    ),
    cost: costString(call.cost),
    summary: str(call.summary),
    transcript: utterancesFromLegacyTranscript(call.transcript, call.startedAt),
    recordings: recordings.length > 0 ? recordings : undefined,
  });
}

/**
 * Within the columns these land in (`numeric(14,6)` USD, `numeric(12,3)` seconds), a unit short
 * so that rounding to the column's scale cannot reach the limit. A value beyond them is no real
 * call's and would fail its job in every retry, so it is dropped like any unreadable value.
 */
const MAX_COST_USD = 99_999_999;
const MAX_DURATION_SECONDS = 999_999_999;

/** USD as a decimal string; numbers are printed as JSON gave them, numeric strings kept. */
export function costString(value: unknown): string | undefined {
  const text =
    typeof value === 'number'
      ? String(value)
      : typeof value === 'string' && DECIMAL.test(value.trim())
        ? value.trim()
        : undefined;
  return text !== undefined && Math.abs(Number(text)) < MAX_COST_USD ? text : undefined;
}

function boundedSeconds(seconds: number | undefined): number | undefined {
  return seconds !== undefined && Math.abs(seconds) < MAX_DURATION_SECONDS ? seconds : undefined;
}

/** `durationSeconds`, else `durationMs`, else `endedAt - startedAt`, when the column holds it. */
function vapiDurationSeconds(
  message: JsonObject,
  call: JsonObject | undefined,
): number | undefined {
  return boundedSeconds(anyDurationSeconds(message, call));
}

function anyDurationSeconds(message: JsonObject, call: JsonObject | undefined): number | undefined {
  const seconds = num(message.durationSeconds);
  if (seconds !== undefined) return seconds;
  const ms = num(message.durationMs);
  if (ms !== undefined) return roundSeconds(ms / 1000);
  return elapsedSeconds(message.startedAt ?? call?.startedAt, message.endedAt ?? call?.endedAt);
}

function elapsedSeconds(startedAt: unknown, endedAt: unknown): number | undefined {
  const ms = millisBetween(startedAt, endedAt);
  return ms !== undefined && ms >= 0 ? roundSeconds(ms / 1000) : undefined;
}

/** VAPI sends `successEvaluation` as a string ("true", "8", "Pass"); older rubrics gave booleans. */
function evaluationString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return undefined;
}

function arrayOrUndefined(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? (value as unknown[]) : undefined;
}
