import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CallChange, type CallChangeKind } from '../entities/call-change.entity';

/** A change to record; the feed assigns its position. */
export interface NewCallChange {
  callId: string;
  kind: CallChangeKind;
  data: Record<string, unknown>;
}

/** The channel every commit that adds changes notifies (see the CallChanges migration). */
export const CALL_CHANGES_CHANNEL = 'call_changes';

/**
 * Arbitrary constant for the advisory lock that orders feed writers. Transactions take it just
 * before their last statement, so feed positions become visible in commit order: a reader that
 * has seen position N never later finds a smaller one appear.
 */
const FEED_LOCK = 7_310_842_113;

/** Keeps each INSERT far below Postgres' 65535 bind-parameter limit. */
const INSERT_CHUNK = 2000;

/** The change feed (`call_changes`). */
@Injectable()
export class CallChangesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends changes inside the caller's transaction. Call it as the transaction's last write:
   * it holds the feed lock until commit, serialising concurrent writers' commits.
   */
  async append(m: EntityManager, changes: readonly NewCallChange[]): Promise<void> {
    if (changes.length === 0) return;
    for (let i = 0; i < changes.length; i += INSERT_CHUNK) {
      const chunk = changes.slice(i, i + INSERT_CHUNK);
      await m.query(
        // The statement that inserts takes the feed lock (one round trip, not two): every row
        // comes out of the join with the lock's one row (a materialised CTE: evaluated once),
        // so no position is drawn before the lock is held. clock_timestamp(), not now() (the
        // transaction's start): with the lock held as the last statement, this is within
        // moments of the commit that publishes the row.
        `WITH feed_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock($4::bigint))
         INSERT INTO call_changes (call_id, kind, data, created_at)
         SELECT c, k, d, clock_timestamp()
           FROM feed_lock, unnest($1::text[], $2::text[], $3::jsonb[]) AS u(c, k, d)`,
        [
          chunk.map((c) => c.callId),
          chunk.map((c) => c.kind),
          chunk.map((c) => JSON.stringify(c.data)),
          FEED_LOCK,
        ],
      );
    }
  }

  /** Changes after `position` (all calls, or one), oldest first, at most `limit`. */
  listAfter(
    position: string,
    limit: number,
    only: { callId?: string; tenantId?: string } = {},
    m: EntityManager = this.dataSource.manager,
  ): Promise<CallChange[]> {
    const query = m
      .getRepository(CallChange)
      .createQueryBuilder('c')
      .where('c.id > :position', { position })
      .orderBy('c.id', 'ASC')
      .limit(limit);
    if (only.callId !== undefined) query.andWhere('c.callId = :callId', { callId: only.callId });
    if (only.tenantId !== undefined) {
      query.andWhere('c.tenantId = :tenantId', { tenantId: only.tenantId });
    }
    return query.getMany();
  }

  /** The newest position, or '0' when the feed is empty. */
  async latestPosition(m: EntityManager = this.dataSource.manager): Promise<string> {
    const [row] = await m.query<{ id: string | null }[]>(
      'SELECT max(id)::text AS id FROM call_changes',
    );
    return row?.id ?? '0';
  }
}
