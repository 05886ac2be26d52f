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

/**
 * The `status-update` VAPI would have sent when the call entered its current status, built
 * from the Call object: for a call VAPI has and we never heard of. Its dedup key is the real
 * update's (status and endedReason), so the real one, arriving late, changes nothing twice.
 */
export function statusUpdateFromCall(call: VapiCall): { message: Record<string, unknown> } {
  const message: Record<string, unknown> = { type: 'status-update', status: call.status };
  const timestamp = epochMs(call.updatedAt) ?? epochMs(call.createdAt);
  if (timestamp !== undefined) message.timestamp = timestamp;
  if (call.status === 'ended' && call.endedReason !== undefined) {
    message.endedReason = call.endedReason;
  }
  message.call = call;
  return { message };
}
