import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { Tenant } from '../entities/tenant.entity';
import { WebhookCredential } from '../entities/webhook-credential.entity';
import type { WebhookCredentialKind } from '../tenancy/credential-secrets';

/** A tenant with what is active under it (for `tenants list`). */
export interface TenantSummary {
  tenant: Tenant;
  activeCredentials: Partial<Record<WebhookCredentialKind, number>>;
  activeTokens: number;
}

/** Rows of `tenants`. */
@Injectable()
export class TenantsRepository {
  constructor(private readonly dataSource: DataSource) {}

  findById(id: string): Promise<Tenant | null> {
    return this.dataSource.getRepository(Tenant).findOne({ where: { id } });
  }

  /** Inserts a tenant; undefined when the id is taken. */
  async create(id: string, name: string): Promise<Tenant | undefined> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [id, name],
    );
    return rows.length === 0 ? undefined : ((await this.findById(id)) ?? undefined);
  }

  /** Sets or clears `disabled_at`; undefined when no such tenant. */
  async setDisabled(id: string, disabledAt: Date | null): Promise<Tenant | undefined> {
    const result = await this.dataSource.getRepository(Tenant).update({ id }, { disabledAt });
    return result.affected === 0 ? undefined : ((await this.findById(id)) ?? undefined);
  }

  /** Every tenant, by id, with its active credentials per kind and active read tokens. */
  async listWithActivity(at: Date): Promise<TenantSummary[]> {
    const tenants = await this.dataSource.getRepository(Tenant).find({ order: { id: 'ASC' } });
    const credentials = await this.dataSource.query<
      { tenant_id: string; kind: WebhookCredentialKind; n: number }[]
    >(
      `SELECT tenant_id, kind, count(*)::int AS n FROM webhook_credentials
        WHERE revoked_at IS NULL GROUP BY tenant_id, kind`,
    );
    const tokens = await this.dataSource.query<{ tenant_id: string; n: number }[]>(
      `SELECT tenant_id, count(*)::int AS n FROM read_tokens
        WHERE tenant_id IS NOT NULL AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
        GROUP BY tenant_id`,
      [at],
    );
    return tenants.map((tenant) => ({
      tenant,
      activeCredentials: Object.fromEntries(
        credentials.filter((c) => c.tenant_id === tenant.id).map((c) => [c.kind, c.n]),
      ),
      activeTokens: tokens.find((t) => t.tenant_id === tenant.id)?.n ?? 0,
    }));
  }

  /**
   * A tenant and its active webhook credentials, for building its verifier; undefined when no
   * such tenant.
   */
  async findWithActiveCredentials(
    id: string,
  ): Promise<{ tenant: Tenant; credentials: WebhookCredential[] } | undefined> {
    const tenant = await this.findById(id);
    if (tenant === null) return undefined;
    const credentials = await this.dataSource
      .getRepository(WebhookCredential)
      .find({ where: { tenantId: id, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
    return { tenant, credentials };
  }
}
