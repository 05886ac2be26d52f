import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Call, type TranscriptSource } from './call.entity';

/** One spoken turn of a call's transcript; `seq` is its 0-based position. */
@Entity({ name: 'transcript_segments' })
@Check('ck_transcript_segments_source', `"source" IN ('live-final', 'conversation', 'report')`)
export class TranscriptSegment {
  @PrimaryColumn({
    name: 'call_id',
    type: 'text',
    primaryKeyConstraintName: 'pk_transcript_segments',
  })
  callId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'pk_transcript_segments' })
  seq!: number;

  @Column({ type: 'text' })
  role!: string;

  @Column({ type: 'text' })
  text!: string;

  @Column({ name: 'seconds_from_start', type: 'numeric', nullable: true })
  secondsFromStart!: string | null;

  @Column({ name: 'duration_seconds', type: 'numeric', nullable: true })
  durationSeconds!: string | null;

  /** When a live `transcript` message said it; part of the identity of a live final. */
  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt!: Date | null;

  @Column({ type: 'text' })
  source!: TranscriptSource;

  @ManyToOne(() => Call, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'call_id', foreignKeyConstraintName: 'fk_transcript_segments_call' })
  call?: Call;
}
