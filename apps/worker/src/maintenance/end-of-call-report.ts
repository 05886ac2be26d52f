/** A VAPI Call object as `GET /call/{id}` returns it (PROTOCOL.md §6); only `id` is certain. */
export type VapiCall = Record<string, unknown> & { id: string };

/** Fields an end-of-call report repeats from the call at its top level (PROTOCOL.md §4). */
const REPORT_FIELDS = [
  'endedReason',
  'startedAt',
  'endedAt',
  'cost',
  'costs',
  'costBreakdown',
  'analysis',
  'artifact',
] as const;

/**
 * The `end-of-call-report` body VAPI would have sent for an ended call, built from the Call
 * object. It normalises to the same dedup key as the real report (one report per call), so a
 * report that did arrive and this one are the same event. Its timestamp is when VAPI last
 * changed the call (`updatedAt`, else `endedAt`).
 */
export function endOfCallReportFromCall(call: VapiCall): { message: Record<string, unknown> } {
  const message: Record<string, unknown> = { type: 'end-of-call-report' };
  const timestamp = epochMs(call.updatedAt) ?? epochMs(call.endedAt);
  if (timestamp !== undefined) message.timestamp = timestamp;
  for (const field of REPORT_FIELDS) {
    if (call[field] !== undefined && call[field] !== null) message[field] = call[field];
  }
  message.call = call;
  return { message };
}

function epochMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
