import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What a committed change of a call is about. PERSISTENT: stored as text and sent to live
 * subscribers as the SSE event name.
 */
export type CallChangeKind = 'status' | 'transcript' | 'summary' | 'recording';

/**
 * The change feed (`call_changes`): one row per committed change of a call, written in the same
 * transaction as the change itself. `id` is the feed position: live streams use it as the SSE
 * event id and resume from it. Every insert notifies the `call_changes` channel on commit.
 */
@Entity({ name: 'call_changes' })
@Check('ck_call_changes_kind', `"kind" IN ('status', 'transcript', 'summary', 'recording')`)
@Index('idx_call_changes_call_id_id', ['callId', 'id'])
export class CallChange {
  /** bigserial: TypeORM returns bigints as strings. */
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_call_changes' })
  id!: string;

  @Column({ name: 'call_id', type: 'text' })
  callId!: string;

  @Column({ type: 'text' })
  kind!: CallChangeKind;

  /** What changed, shaped per kind (see `CallChangeData`). */
  @Column({ type: 'jsonb' })
  data!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
