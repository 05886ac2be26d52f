import { Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { ReadToken } from '../entities/read-token.entity';

/** What authenticating a read token needs: the token row and its tenant's state. */
export interface ReadTokenRecord {
  id: string;
  tenantId: string | null;
  tokenHash: Buffer;
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** When the token's tenant was disabled (null: enabled, or an operator token). */
  tenantDisabledAt: Date | null;
}

/** A token to store (the token itself is never stored). */
export type NewReadToken = Pick<ReadToken, 'id' | 'tenantId' | 'label' | 'tokenHash' | 'expiresAt'>;

/**
 * Counts tokens that can still be used at $1: not revoked, not expired, tenant (if any)
 * enabled. Shared by the repository and the api's boot check.
 */
export const COUNT_ACTIVE_READ_TOKENS_SQL = `
  SELECT count(*)::int AS n FROM read_tokens r LEFT JOIN tenants t ON t.id = r.tenant_id
   WHERE r.revoked_at IS NULL AND (r.expires_at IS NULL OR r.expires_at > $1)
     AND t.disabled_at IS NULL`;

/** Rows of `read_tokens`. */
@Injectable()
export class ReadTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(token: NewReadToken): Promise<ReadToken> {
    await this.dataSource.getRepository(ReadToken).insert(token);
    return this.dataSource.getRepository(ReadToken).findOneOrFail({ where: { id: token.id } });
  }

  findById(id: string): Promise<ReadToken | null> {
    return this.dataSource.getRepository(ReadToken).findOne({ where: { id } });
  }

  /** The token with id `id` and its tenant's state, for authentication. */
  async findForAuth(id: string): Promise<ReadTokenRecord | undefined> {
    const [row] = await this.dataSource.query<
      {
        id: string;
        tenant_id: string | null;
        token_hash: Buffer;
        expires_at: Date | null;
        revoked_at: Date | null;
        disabled_at: Date | null;
      }[]
    >(
      `SELECT r.id, r.tenant_id, r.token_hash, r.expires_at, r.revoked_at, t.disabled_at
         FROM read_tokens r LEFT JOIN tenants t ON t.id = r.tenant_id WHERE r.id = $1`,
      [id],
    );
    if (row === undefined) return undefined;
    return {
      id: row.id,
      tenantId: row.tenant_id,
      tokenHash: row.token_hash,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
      tenantDisabledAt: row.disabled_at,
    };
  }

  /**
   * Tokens, newest first: all of them, a tenant's (`tenantId`), or operator ones (`null`);
   * revoked ones only when asked.
   */
  list(filter: { tenantId?: string | null; includeRevoked?: boolean } = {}): Promise<ReadToken[]> {
    const where: Record<string, unknown> = {};
    if (filter.tenantId !== undefined) where.tenantId = filter.tenantId ?? IsNull();
    if (filter.includeRevoked !== true) where.revokedAt = IsNull();
    return this.dataSource
      .getRepository(ReadToken)
      .find({ where, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  /** Revokes a token; undefined when it is unknown or already revoked. */
  async revoke(id: string, at: Date): Promise<ReadToken | undefined> {
    const result = await this.dataSource
      .getRepository(ReadToken)
      .update({ id, revokedAt: IsNull() }, { revokedAt: at });
    if (result.affected === 0) return undefined;
    return (await this.findById(id)) ?? undefined;
  }

  /** Records a use (never moves `last_used_at` back). */
  async touch(id: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE read_tokens SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
      [id, at],
    );
  }

  /** Tokens usable at `at` (see `COUNT_ACTIVE_READ_TOKENS_SQL`). */
  async countActive(at: Date): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(COUNT_ACTIVE_READ_TOKENS_SQL, [at]);
    return row?.n ?? 0;
  }
}
