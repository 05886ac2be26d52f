import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CALL_STATUSES } from '@app/vapi';

/**
 * Response shapes of the read API, for the OpenAPI document. `call.view.ts` builds the bodies;
 * `openapi-coverage.e2e-spec.ts` checks a real response against these.
 */
export class CallSummaryDto {
  @ApiProperty({ example: 'c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c', description: 'VAPI call id.' })
  id!: string;
  @ApiProperty({ example: 'default', description: 'The tenant the call came in for.' })
  tenantId!: string;
  @ApiProperty({ enum: CALL_STATUSES, nullable: true, example: 'ended' })
  status!: string | null;
  @ApiProperty({ nullable: true, example: 'completed' })
  outcome!: string | null;
  @ApiProperty({ nullable: true, example: 'customer-ended-call' })
  endedReason!: string | null;
  @ApiProperty()
  failed!: boolean;
  @ApiProperty({ nullable: true, example: 'inboundPhoneCall' })
  type!: string | null;
  @ApiProperty({ nullable: true })
  assistantId!: string | null;
  @ApiProperty({ nullable: true })
  phoneNumberId!: string | null;
  @ApiProperty({ nullable: true, example: '+14155550123' })
  customerNumber!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  createdAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  startedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  endedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 57.343 })
  durationSeconds!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.0971 })
  cost!: number | null;
  @ApiProperty({ nullable: true })
  summary!: string | null;
  @ApiProperty({ nullable: true })
  recordingUrl!: string | null;
  @ApiProperty({ nullable: true })
  stereoRecordingUrl!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  updatedAt!: string | null;
}

/** `GET /api/calls`. */
export class CallListDto {
  @ApiProperty({ type: [CallSummaryDto] })
  items!: CallSummaryDto[];
  @ApiProperty({ example: 1 })
  total!: number;
  @ApiProperty({ example: 20 })
  limit!: number;
  @ApiProperty({ example: 0 })
  offset!: number;
}

export class CallRecordingDto {
  @ApiProperty({ example: 'mono', description: 'mono, stereo, assistant, customer or video' })
  kind!: string;
  @ApiProperty()
  sourceUrl!: string;
  @ApiProperty({ enum: ['pending', 'downloading', 'stored', 'failed'] })
  state!: string;
  @ApiProperty()
  attempts!: number;
  @ApiProperty({ type: Number, nullable: true })
  byteSize!: number | null;
  @ApiProperty({ nullable: true, example: 'audio/wav' })
  contentType!: string | null;
  @ApiProperty({ nullable: true, description: 'hex; the ETag of GET /api/calls/{id}/recording' })
  sha256!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  downloadedAt!: string | null;
  @ApiProperty({ nullable: true })
  lastError!: string | null;
}

export class TranscriptTurnDto {
  @ApiProperty({ example: 'user', description: 'user, assistant, tool or system' })
  role!: string;
  @ApiProperty()
  text!: string;
  @ApiProperty({ type: Number, nullable: true })
  secondsFromStart!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  durationSeconds!: number | null;
}

export class CallEventDto {
  @ApiProperty()
  kind!: string;
  @ApiProperty({ nullable: true, example: 'status-update' })
  messageType!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  occurredAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  receivedAt!: string | null;
}

export class CallAnalysisDto {
  @ApiProperty({ nullable: true })
  summary!: string | null;
  @ApiProperty({ type: Object, nullable: true })
  structuredData!: unknown;
  @ApiProperty({ nullable: true, example: 'true' })
  successEvaluation!: string | null;
}

/** `GET /api/calls/{id}`. */
export class CallDetailDto extends CallSummaryDto {
  @ApiProperty({ type: Object, nullable: true })
  costBreakdown!: unknown;
  @ApiProperty({ type: CallAnalysisDto })
  analysis!: CallAnalysisDto;
  @ApiProperty({ type: [CallRecordingDto] })
  recordings!: CallRecordingDto[];
  @ApiProperty({ type: [TranscriptTurnDto] })
  transcript!: TranscriptTurnDto[];
  @ApiProperty({ nullable: true, example: 'report' })
  transcriptSource!: string | null;
  @ApiProperty({ nullable: true })
  transcriptText!: string | null;
  @ApiProperty({ type: Object, nullable: true })
  transcriptStats!: unknown;
  @ApiProperty({ type: [CallEventDto] })
  events!: CallEventDto[];
}

/** `POST /api/stream/tickets`: the ticket itself is only in the HTTP-only cookie. */
export class StreamTicketDto {
  @ApiProperty({ type: String, format: 'date-time' })
  expiresAt!: string;
  @ApiProperty({ example: 60 })
  expiresInSeconds!: number;
}

/**
 * The `data` of each change event of a live stream (`event:` is the kind, `id:` the position).
 * Kinds: `status` (status, outcome, endedReason, failed, startedAt, endedAt), `transcript`
 * (fromSeq, replaced, segments[]), `summary` (summary, cost, costBreakdown, durationSeconds,
 * successEvaluation, structuredData), `recording` (kind, contentType, byteSize, sha256).
 * Control events: `ready` (position; live from here) and `reset` (position, reason: re-read).
 */
export class CallChangeEventDto {
  @ApiProperty({ example: '1042', description: 'Feed position; also the SSE id.' })
  position!: string;
  @ApiProperty()
  callId!: string;
  @ApiProperty({ enum: ['status', 'transcript', 'summary', 'recording'] })
  kind!: string;
  @ApiProperty({ type: String, format: 'date-time' })
  at!: string;
  @ApiPropertyOptional({ type: Object, example: { status: 'in-progress', outcome: null } })
  data!: Record<string, unknown>;
}
