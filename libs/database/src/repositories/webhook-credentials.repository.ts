import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { WebhookCredential } from '../entities/webhook-credential.entity';
import {
  MAX_ACTIVE_CREDENTIALS_PER_KIND,
  type WebhookCredentialKind,
} from '../tenancy/credential-secrets';

/** A credential to store; its slot is chosen by `addActive`. */
export type NewWebhookCredential = Pick<
  WebhookCredential,
  'id' | 'tenantId' | 'kind' | 'label' | 'secretHash' | 'sealedSecret' | 'keyId'
>;

/** Why `addActive` stored nothing. */
export type AddCredentialRefusal =
  { refused: 'no-tenant' } | { refused: 'full'; active: WebhookCredential[] };

/** Rows of `webhook_credentials`. */
@Injectable()
export class WebhookCredentialsRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(id: string): Promise<WebhookCredential | null> {
    return this.dataSource.getRepository(WebhookCredential).findOne({ where: { id } });
  }

  /** A tenant's credentials, oldest first; revoked ones only when asked. */
  listOf(tenantId: string, includeRevoked = false): Promise<WebhookCredential[]> {
    return this.dataSource.getRepository(WebhookCredential).find({
      where: includeRevoked ? { tenantId } : { tenantId, revokedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * Stores an active credential in a free slot of its kind, or refuses when the tenant already
   * has `MAX_ACTIVE_CREDENTIALS_PER_KIND` active. The tenant's row lock serialises concurrent
   * adds; the partial unique index on the slot is the backstop.
   */
  async addActive(c: NewWebhookCredential): Promise<WebhookCredential | AddCredentialRefusal> {
    return this.dataSource.transaction(async (m) => {
      const tenant = await m.query<unknown[]>('SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [
        c.tenantId,
      ]);
      if (tenant.length === 0) return { refused: 'no-tenant' as const };
      const active = await m.getRepository(WebhookCredential).find({
        where: { tenantId: c.tenantId, kind: c.kind, revokedAt: IsNull() },
        order: { createdAt: 'ASC', id: 'ASC' },
      });
      const used = new Set(active.map((a) => a.slot));
      const slot = [1, 2].find((s) => !used.has(s));
      if (slot === undefined || active.length >= MAX_ACTIVE_CREDENTIALS_PER_KIND) {
        return { refused: 'full' as const, active };
      }
      await m.getRepository(WebhookCredential).insert({ ...c, slot });
      return m.getRepository(WebhookCredential).findOneOrFail({ where: { id: c.id } });
    });
  }

  /** A tenant's active credentials of one kind, oldest first. */
  listActive(tenantId: string, kind: WebhookCredentialKind): Promise<WebhookCredential[]> {
    return this.dataSource.getRepository(WebhookCredential).find({
      where: { tenantId, kind, revokedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Revokes an active credential; undefined when it is unknown or already revoked. */
  async revoke(id: string, at: Date): Promise<WebhookCredential | undefined> {
    const result = await this.dataSource
      .getRepository(WebhookCredential)
      .update({ id, revokedAt: IsNull() }, { revokedAt: at });
    if (result.affected === 0) return undefined;
    return (await this.findById(id)) ?? undefined;
  }
}
