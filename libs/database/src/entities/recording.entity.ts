import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { Call } from './call.entity';

/** Download state of a recording. PERSISTENT (stored as text). */
export type RecordingState = 'pending' | 'downloading' | 'stored' | 'failed';

/** A recording of a call (one per kind), and where its downloaded copy is. */
@Entity({ name: 'recordings' })
@Unique('uq_recordings_call_id_kind', ['callId', 'kind'])
@Check('ck_recordings_state', `"state" IN ('pending', 'downloading', 'stored', 'failed')`)
export class Recording {
  @PrimaryGeneratedColumn({ type: 'bigint', primaryKeyConstraintName: 'pk_recordings' })
  id!: string;

  @Column({ name: 'call_id', type: 'text' })
  callId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ name: 'source_url', type: 'text' })
  sourceUrl!: string;

  @Column({ type: 'text', default: 'pending' })
  state!: RecordingState;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'storage_path', type: 'text', nullable: true })
  storagePath!: string | null;

  @Column({ name: 'byte_size', type: 'bigint', nullable: true })
  byteSize!: string | null;

  @Column({ name: 'content_type', type: 'text', nullable: true })
  contentType!: string | null;

  @Column({ type: 'text', nullable: true })
  sha256!: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'downloaded_at', type: 'timestamptz', nullable: true })
  downloadedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @ManyToOne(() => Call, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'call_id', foreignKeyConstraintName: 'fk_recordings_call' })
  call?: Call;
}
