import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';

/**
 * Version of a merged field: `[sourceRank, occurredAtMs, tiebreak]`, compared left to right.
 * PERSISTENT: stored in `calls.field_versions` and `calls.transcript_version`.
 */
export type FieldVersion = [sourceRank: number, occurredAtMs: number, tiebreak: string];

/** Where the stored transcript came from, best last. PERSISTENT (stored as text). */
export type TranscriptSource = 'live-final' | 'conversation' | 'report';

/** Talk statistics of one role. */
export interface RoleTalkStats {
  turns: number;
  words: number;
  talkSeconds: number;
}

/** `calls.transcript_stats`: totals over spoken turns, and the same per role. */
export interface TranscriptStats extends RoleTalkStats {
  byRole: { assistant: RoleTalkStats; user: RoleTalkStats };
}

/**
 * One VAPI call, keyed by the VAPI call id. Rows are created by the first event that names the
 * call and only ever changed by the order-independent merge in the worker.
 */
@Entity({ name: 'calls' })
@Index('idx_calls_created_at_vapi', { synchronize: false })
@Index('idx_calls_started_at', { synchronize: false })
@Index('idx_calls_first_seen_at', { synchronize: false })
@Index('idx_calls_assistant_id', { synchronize: false })
@Index('idx_calls_list_order', { synchronize: false })
@Index('idx_calls_status', ['status'])
@Check(
  'ck_calls_transcript_source',
  `"transcript_source" IN ('live-final', 'conversation', 'report')`,
)
@Index('idx_calls_outcome', ['outcome'])
export class Call {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_calls' })
  id!: string;

  @Column({ type: 'text', nullable: true })
  status!: string | null;

  @Column({ name: 'status_rank', type: 'smallint', nullable: true })
  statusRank!: number | null;

  @Column({ type: 'text', nullable: true })
  type!: string | null;

  @Column({ name: 'assistant_id', type: 'text', nullable: true })
  assistantId!: string | null;

  @Column({ name: 'phone_number_id', type: 'text', nullable: true })
  phoneNumberId!: string | null;

  @Column({ name: 'customer_number', type: 'text', nullable: true })
  customerNumber!: string | null;

  /** `call.createdAt` as VAPI reports it (not when we first saw the call: that is `firstSeenAt`). */
  @Column({ name: 'created_at_vapi', type: 'timestamptz', nullable: true })
  createdAtVapi!: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'ended_reason', type: 'text', nullable: true })
  endedReason!: string | null;

  /** Derived from the merged state (see `classifyOutcome` in the worker), never merged itself. */
  @Column({ type: 'text', default: 'in-progress' })
  outcome!: string;

  @Column({ type: 'boolean', default: false })
  failed!: boolean;

  /** numeric(12,3): TypeORM returns numerics as strings so no precision is lost. */
  @Column({ name: 'duration_seconds', type: 'numeric', precision: 12, scale: 3, nullable: true })
  durationSeconds!: string | null;

  /** USD, numeric(14,6). */
  @Column({ type: 'numeric', precision: 14, scale: 6, nullable: true })
  cost!: string | null;

  @Column({ name: 'cost_breakdown', type: 'jsonb', nullable: true })
  costBreakdown!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  costs!: unknown[] | null;

  @Column({ type: 'text', nullable: true })
  summary!: string | null;

  @Column({ name: 'structured_data', type: 'jsonb', nullable: true })
  structuredData!: unknown;

  @Column({ name: 'success_evaluation', type: 'text', nullable: true })
  successEvaluation!: string | null;

  @Column({ name: 'transcript_text', type: 'text', nullable: true })
  transcriptText!: string | null;

  @Column({ name: 'transcript_stats', type: 'jsonb', nullable: true })
  transcriptStats!: TranscriptStats | null;

  @Column({ name: 'transcript_source', type: 'text', nullable: true })
  transcriptSource!: TranscriptSource | null;

  @Column({ name: 'transcript_version', type: 'jsonb', nullable: true })
  transcriptVersion!: FieldVersion | null;

  /** Segments stored in `transcript_segments` (valid when `transcriptDigest` is set). */
  @Column({ name: 'transcript_count', type: 'integer', default: 0 })
  transcriptCount!: number;

  /** Rolling digest of the stored segments (see the worker's transcript head); null = unknown. */
  @Column({ name: 'transcript_digest', type: 'text', nullable: true })
  transcriptDigest!: string | null;

  @Column({ name: 'recording_url', type: 'text', nullable: true })
  recordingUrl!: string | null;

  @Column({ name: 'stereo_recording_url', type: 'text', nullable: true })
  stereoRecordingUrl!: string | null;

  /** Version of each merged field, by field name (camelCase, as in `CallState`). */
  @Column({ name: 'field_versions', type: 'jsonb', default: {} })
  fieldVersions!: Record<string, FieldVersion>;

  /** Latest `occurredAt` of any event applied to this call. */
  @Column({ name: 'last_event_at', type: 'timestamptz', nullable: true })
  lastEventAt!: Date | null;

  @CreateDateColumn({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
