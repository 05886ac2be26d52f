import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A job the api accepted while the queue could not take it: the relay enqueues it (same job
 * id) and deletes the row once the queue confirmed. PERSISTENT: rows may wait here across
 * deploys, so `queue` and `job_name` hold the queue contract's persistent names.
 */
@Entity({ name: 'outbox' })
@Unique('uq_outbox_job_id', ['jobId'])
export class OutboxEntry {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_outbox',
  })
  id!: string;

  @Column({ type: 'text' })
  queue!: string;

  @Column({ name: 'job_name', type: 'text' })
  jobName!: string;

  @Column({ name: 'job_id', type: 'text' })
  jobId!: string;

  @Column({ type: 'json' })
  data!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
