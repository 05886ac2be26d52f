import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { Tenant } from './tenant.entity';

/**
 * A read-API token. The token (`vhr_<id>_<secret>`) is shown once; only its SHA-256 is kept,
 * looked up by the id part and compared in constant time. `tenantId` null: an operator token
 * that reads every tenant.
 */
@Entity({ name: 'read_tokens' })
@Check('ck_read_tokens_token_hash', `octet_length("token_hash") = 32`)
export class ReadToken {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_read_tokens' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text', nullable: true })
  tenantId!: string | null;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @Column({ name: 'token_hash', type: 'bytea' })
  tokenHash!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** Updated at most about once a minute per api process (see the read-token authenticator). */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_read_tokens_tenant' })
  tenant?: Tenant;
}
