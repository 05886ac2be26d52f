import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  Call,
  CallEventRecord,
  DEFAULT_TENANT_ID,
  Recording,
  TranscriptSegment,
} from '@app/database';
import { ReadScope, scopeSeesDefaultTenant } from '../tenancy/read-scope';
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
    if (!scopeSeesDefaultTenant(scope, DEFAULT_TENANT_ID)) {
      return { items: [], total: 0, limit: query.limit, offset: query.offset };
    }
    const qb = this.dataSource.getRepository(Call).createQueryBuilder('call');
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

  async findOne(id: string, scope: ReadScope) {
    this.assertConnected();
    if (!scopeSeesDefaultTenant(scope, DEFAULT_TENANT_ID)) return null;
    const call = await this.dataSource.getRepository(Call).findOne({ where: { id } });
    if (!call) return null;
    const [segments, recordings, events] = await Promise.all([
      this.dataSource
        .getRepository(TranscriptSegment)
        .find({ where: { callId: id }, order: { seq: 'ASC' } }),
      this.dataSource
        .getRepository(Recording)
        .find({ where: { callId: id }, order: { kind: 'ASC' } }),
      this.dataSource.getRepository(CallEventRecord).find({
        where: { callId: id },
        // The timeline; the payloads stay in the database (they can be large).
        select: { id: true, kind: true, messageType: true, occurredAt: true, receivedAt: true },
        order: { occurredAt: { direction: 'ASC', nulls: 'LAST' }, id: 'ASC' },
      }),
    ]);
    return callDetailView(call, segments, recordings, events);
  }

  /** The api boots before Postgres answers (webhooks only need Redis); reads wait for it. */
  private assertConnected(): void {
    if (!this.dataSource.isInitialized) {
      throw new ServiceUnavailableException('The database is not reachable yet; retry later.');
    }
  }
}
