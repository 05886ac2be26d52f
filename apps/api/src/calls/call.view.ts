import type { Call, CallEventRecord, Recording, TranscriptSegment } from '@app/database';

/** numeric columns arrive as strings; the API returns numbers (precision is ample for display). */
const num = (value: string | null): number | null => (value === null ? null : Number(value));
const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** A call as listed by `GET /api/calls`. */
export function callSummaryView(call: Call) {
  return {
    // VAPI's id: the tenant prefix of the stored key is an internal detail.
    id: call.vapiCallId,
    tenantId: call.tenantId,
    status: call.status,
    outcome: call.outcome,
    endedReason: call.endedReason,
    failed: call.failed,
    type: call.type,
    assistantId: call.assistantId,
    phoneNumberId: call.phoneNumberId,
    customerNumber: call.customerNumber,
    createdAt: iso(call.createdAtVapi ?? call.firstSeenAt),
    startedAt: iso(call.startedAt),
    endedAt: iso(call.endedAt),
    durationSeconds: num(call.durationSeconds),
    cost: num(call.cost),
    summary: call.summary,
    recordingUrl: call.recordingUrl,
    stereoRecordingUrl: call.stereoRecordingUrl,
    updatedAt: iso(call.updatedAt),
  };
}

/** A call with everything `GET /api/calls/:id` shows. */
export function callDetailView(
  call: Call,
  segments: TranscriptSegment[],
  recordings: Recording[],
  events: CallEventRecord[],
) {
  return {
    ...callSummaryView(call),
    costBreakdown: call.costBreakdown,
    analysis: {
      summary: call.summary,
      structuredData: call.structuredData ?? null,
      successEvaluation: call.successEvaluation,
    },
    recordings: recordings.map((r) => ({
      kind: r.kind,
      sourceUrl: r.sourceUrl,
      state: r.state,
      attempts: r.attempts,
      byteSize: r.byteSize === null ? null : Number(r.byteSize),
      contentType: r.contentType,
      sha256: r.sha256,
      downloadedAt: iso(r.downloadedAt),
      lastError: r.state === 'stored' ? null : r.lastError,
    })),
    transcript: segments.map((s) => ({
      role: s.role,
      text: s.text,
      secondsFromStart: num(s.secondsFromStart),
      durationSeconds: num(s.durationSeconds),
    })),
    transcriptSource: call.transcriptSource,
    transcriptText: call.transcriptText,
    transcriptStats: call.transcriptStats,
    events: events.map((e) => ({
      kind: e.kind,
      messageType: e.messageType,
      occurredAt: iso(e.occurredAt),
      receivedAt: iso(e.receivedAt),
    })),
  };
}

/** The body of `GET /api/calls/:id`. */
export type CallDetailView = ReturnType<typeof callDetailView>;
