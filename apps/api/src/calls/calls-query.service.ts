import { ConflictException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Call, CallEventRecord, Recording, TranscriptSegment, tenantKey } from '@app/database';
import { ReadScope, tenantToRead } from '../tenancy/read-scope';
import { callDetailView, callSummaryView } from './call.view';
import { ListCallsQuery } from './list-calls.query';

/** The call's creation time: VAPI's when known, else when we first heard of it. */
const CREATED_AT = 'COALESCE(call.created_at_vapi, call.first_seen_at)';

/** Read side of the call records (the worker is the only writer). */
@Injectable()
export class CallsQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async list(query: ListCallsQuery, scope: ReadScope) {
    this.assertConnected();
    const tenant = tenantToRead(scope, query.tenant);
    if (tenant === null) return { items: [], total: 0, limit: query.limit, offset: query.offset };
    const qb = this.dataSource.getRepository(Call).createQueryBuilder('call');
    if (tenant !== undefined) qb.andWhere('call.tenant_id = :tenant', { tenant });
    if (query.status) qb.andWhere('call.status = :status', { status: query.status });
    if (query.outcome) qb.andWhere('call.outcome = :outcome', { outcome: query.outcome });
    if (query.assistantId) {
      qb.andWhere('call.assistant_id = :assistantId', { assistantId: query.assistantId });
    }
    if (query.from) qb.andWhere(`${CREATED_AT} >= :from`, { from: query.from });
    if (query.to) qb.andWhere(`${CREATED_AT} < :to`, { to: query.to });
    const [calls, total] = await qb
      .orderBy(CREATED_AT, 'DESC')
      .addOrderBy('call.id', 'DESC')
      .limit(query.limit)
      .offset(query.offset)
      .getManyAndCount();
    return { items: calls.map(callSummaryView), total, limit: query.limit, offset: query.offset };
  }

  async findOne(id: string, scope: ReadScope, requestedTenant?: string) {
    const key = await this.resolveCallKey(id, scope, requestedTenant);
    if (key === null) return null;
    const call = await this.dataSource.getRepository(Call).findOne({ where: { id: key } });
    if (!call) return null;
    const [segments, recordings, events] = await Promise.all([
      this.dataSource
        .getRepository(TranscriptSegment)
        .find({ where: { callId: key }, order: { seq: 'ASC' } }),
      this.dataSource
        .getRepository(Recording)
        .find({ where: { callId: key }, order: { kind: 'ASC' } }),
      this.dataSource.getRepository(CallEventRecord).find({
        where: { callId: key },
        // The timeline; the payloads stay in the database (they can be large).
        select: { id: true, kind: true, messageType: true, occurredAt: true, receivedAt: true },
        order: { occurredAt: { direction: 'ASC', nulls: 'LAST' }, id: 'ASC' },
      }),
    ]);
    return callDetailView(call, segments, recordings, events);
  }

  /**
   * The stored key of the call a request names by its VAPI id, or null when the scope may not see
   * it (or it does not exist: the two look the same). An operator naming no tenant gets the one
   * call with that VAPI id, or 409 when several tenants have one.
   */
  async resolveCallKey(
    id: string,
    scope: ReadScope,
    requestedTenant?: string,
  ): Promise<string | null> {
    this.assertConnected();
    const tenant = tenantToRead(scope, requestedTenant);
    if (tenant === null) return null;
    if (tenant !== undefined) {
      const found: unknown[] = await this.dataSource.query('SELECT 1 FROM calls WHERE id = $1', [
        tenantKey(tenant, id),
      ]);
      return found.length > 0 ? tenantKey(tenant, id) : null;
    }
    const rows: Array<{ id: string; tenant_id: string }> = await this.dataSource.query(
      'SELECT id, tenant_id FROM calls WHERE vapi_call_id = $1 ORDER BY tenant_id LIMIT 10',
      [id],
    );
    if (rows.length > 1) {
      const tenants = rows.map((r) => r.tenant_id).join(', ');
      throw new ConflictException(
        `Call ${id} exists under several tenants (${tenants}); name one with ?tenant=.`,
      );
    }
    return rows[0]?.id ?? null;
  }

  /** The api boots before Postgres answers (webhooks only need Redis); reads wait for it. */
  private assertConnected(): void {
    if (!this.dataSource.isInitialized) {
      throw new ServiceUnavailableException('The database is not reachable yet; retry later.');
    }
  }
}
