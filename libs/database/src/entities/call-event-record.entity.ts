import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * One accepted webhook in the event log (`call_events`). Append-only: a redelivery shares the
 * `dedupKey` and is not stored twice. `callId` has no foreign key because events may arrive
 * before their call row exists, and some message types have no call at all.
 */
@Entity({ name: 'call_events' })
@Unique('uq_call_events_dedup_key', ['dedupKey'])
@Index('idx_call_events_call_id_occurred_at', ['callId', 'occurredAt'])
@Index('idx_call_events_unpurged_received_at', { synchronize: false })
export class CallEventRecord {
  /** bigserial: TypeORM returns bigints as strings. */
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_call_events' })
  id!: string;

  @Column({ name: 'call_id', type: 'text', nullable: true })
  callId!: string | null;

  @Column({ name: 'dedup_key', type: 'text' })
  dedupKey!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'message_type', type: 'text' })
  messageType!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt!: Date | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** The body as received, credentials redacted; set to null by payload retention. */
  @Column({ type: 'jsonb', nullable: true })
  payload!: unknown;

  @Column({ name: 'payload_purged_at', type: 'timestamptz', nullable: true })
  payloadPurgedAt!: Date | null;
}
