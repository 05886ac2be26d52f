import type { Call, CallColumns } from '@app/database';
import { CALL_STATUSES, statusRank, type CallStatus } from '@app/vapi';
import { canonicalJson, type CallOutcome, type CallState } from './call-state';

/** The merge state held in a `calls` row. */
export function callStateFromRow(row: Call): CallState {
  return {
    id: row.id,
    status: asCallStatus(row.status),
    type: row.type,
    assistantId: row.assistantId,
    phoneNumberId: row.phoneNumberId,
    customerNumber: row.customerNumber,
    createdAt: iso(row.createdAtVapi),
    startedAt: iso(row.startedAt),
    endedAt: iso(row.endedAt),
    endedReason: row.endedReason,
    failed: row.failed,
    durationSeconds: row.durationSeconds,
    cost: row.cost,
    costBreakdown: row.costBreakdown,
    costs: row.costs,
    summary: row.summary,
    structuredData: row.structuredData ?? null,
    successEvaluation: row.successEvaluation,
    transcriptText: row.transcriptText,
    recordingUrl: row.recordingUrl,
    stereoRecordingUrl: row.stereoRecordingUrl,
    outcome: row.outcome as CallOutcome,
    lastEventAt: iso(row.lastEventAt),
    fieldVersions: row.fieldVersions ?? {},
  };
}

/** The `calls` columns that hold a merge state (transcript columns are written separately). */
export function callColumnsFromState(
  state: CallState,
): Omit<
  CallColumns,
  | 'transcriptStats'
  | 'transcriptSource'
  | 'transcriptVersion'
  | 'transcriptCount'
  | 'transcriptDigest'
> {
  return {
    status: state.status,
    statusRank: state.status === null ? null : statusRank(state.status),
    type: state.type,
    assistantId: state.assistantId,
    phoneNumberId: state.phoneNumberId,
    customerNumber: state.customerNumber,
    createdAtVapi: date(state.createdAt),
    startedAt: date(state.startedAt),
    endedAt: date(state.endedAt),
    endedReason: state.endedReason,
    outcome: state.outcome,
    failed: state.failed,
    durationSeconds: state.durationSeconds,
    cost: state.cost,
    costBreakdown: state.costBreakdown,
    costs: state.costs,
    summary: state.summary,
    structuredData: state.structuredData,
    successEvaluation: state.successEvaluation,
    transcriptText: state.transcriptText,
    recordingUrl: state.recordingUrl,
    stereoRecordingUrl: state.stereoRecordingUrl,
    fieldVersions: state.fieldVersions,
    lastEventAt: date(state.lastEventAt),
  };
}

/** True when two states would write the same row. */
export function sameCallState(a: CallState, b: CallState): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function asCallStatus(value: string | null): CallStatus | null {
  return (CALL_STATUSES as readonly string[]).includes(value ?? '') ? (value as CallStatus) : null;
}

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

function date(value: string | null): Date | null {
  return value === null ? null : new Date(value);
}
