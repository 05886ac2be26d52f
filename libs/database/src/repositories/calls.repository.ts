import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import { Call } from '../entities/call.entity';

/** Columns the worker's merge owns (everything but the id and the two bookkeeping times). */
export type CallColumns = Omit<
  Call,
  'id' | 'tenantId' | 'vapiCallId' | 'firstSeenAt' | 'updatedAt'
>;

/** Rows of `calls`. Methods taking an `EntityManager` run inside the caller's transaction. */
@Injectable()
export class CallsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Creates an empty row for a call id unless one exists. A concurrent caller for the same id
   * waits on the unique index until the first transaction ends, then does nothing.
   */
  async insertIfMissing(m: EntityManager, id: string): Promise<void> {
    await m.createQueryBuilder().insert().into(Call).values({ id }).orIgnore().execute();
  }

  /** Reads a call and locks its row until the transaction ends (serialises merges per call). */
  findByIdForUpdate(m: EntityManager, id: string): Promise<Call | null> {
    return m.getRepository(Call).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Writes merged columns of one call. */
  async updateColumns(m: EntityManager, id: string, columns: Partial<CallColumns>): Promise<void> {
    if (Object.keys(columns).length === 0) return;
    // jsonb columns hold `unknown`/records, which TypeORM's deep-partial type cannot express.
    await m.update(Call, { id }, columns as QueryDeepPartialEntity<Call>);
  }

  /** Ids of the calls first seen in `[from, to)`, in id order after `afterId` (keyset pages). */
  async listIdsFirstSeenBetween(
    from: Date,
    to: Date,
    limit: number,
    afterId = '',
  ): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(Call)
      .createQueryBuilder('c')
      .select('c.id', 'id')
      .where('c.firstSeenAt >= :from AND c.firstSeenAt < :to', { from, to })
      .andWhere('c.id > :afterId', { afterId })
      .orderBy('c.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /**
   * Ids of the calls that have not ended and whose row has not changed since `before` (the
   * candidates for reconciliation), most recently changed first.
   */
  async listStaleUnendedIds(before: Date, limit: number): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(Call)
      .createQueryBuilder('c')
      .select('c.id', 'id')
      .where(`c.status IS DISTINCT FROM 'ended'`)
      .andWhere('c.updatedAt < :before', { before })
      .orderBy('c.updatedAt', 'DESC')
      .addOrderBy('c.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /** Reads a call without locking it. */
  findById(id: string, m: EntityManager = this.dataSource.manager): Promise<Call | null> {
    return m.getRepository(Call).findOne({ where: { id } });
  }
}
