import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * An organisation served by this deployment: owns webhook credentials, read tokens and (with
 * the second half of issue 12) calls. The `default` row exists from the start; its webhook
 * credentials also come from the environment.
 */
@Entity({ name: 'tenants' })
@Check('ck_tenants_id', `"id" ~ '^[a-z0-9][a-z0-9-]{0,62}$'`)
export class Tenant {
  /** The slug in URLs (`/api/webhook/vapi/:tenant`). PERSISTENT: never renamed. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_tenants' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Set: its credentials and read tokens are refused. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;
}
