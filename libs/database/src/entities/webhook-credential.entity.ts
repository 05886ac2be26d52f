import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import type { WebhookCredentialKind } from '../tenancy/credential-secrets';
import { Tenant } from './tenant.entity';

/**
 * A secret a tenant's webhooks authenticate with. Legacy secrets and bearer tokens are only
 * compared, so only their SHA-256 is kept (`secretHash`); HMAC keys must be used, so they are
 * sealed with `SECRETS_KEY` (`sealedSecret`, `keyId`). `slot` (1 or 2) is unique among a
 * tenant's active credentials of a kind: at most two, the old and the new during a rotation.
 */
@Entity({ name: 'webhook_credentials' })
@Check('ck_webhook_credentials_kind', `"kind" IN ('legacy-secret', 'bearer', 'hmac')`)
@Check('ck_webhook_credentials_slot', `"slot" IN (1, 2)`)
@Check(
  'ck_webhook_credentials_material',
  `CASE WHEN "kind" = 'hmac' THEN "sealed_secret" IS NOT NULL AND "key_id" IS NOT NULL AND "secret_hash" IS NULL ELSE octet_length("secret_hash") = 32 AND "sealed_secret" IS NULL AND "key_id" IS NULL END`,
)
@Index('uq_webhook_credentials_active_slot', { synchronize: false })
export class WebhookCredential {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_webhook_credentials' })
  id!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  kind!: WebhookCredentialKind;

  @Column({ type: 'smallint' })
  slot!: number;

  @Column({ type: 'text', nullable: true })
  label!: string | null;

  @Column({ name: 'secret_hash', type: 'bytea', nullable: true })
  secretHash!: Buffer | null;

  @Column({ name: 'sealed_secret', type: 'bytea', nullable: true })
  sealedSecret!: Buffer | null;

  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'fk_webhook_credentials_tenant' })
  tenant?: Tenant;
}
