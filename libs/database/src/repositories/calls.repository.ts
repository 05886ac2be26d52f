import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
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

  /**
   * Creates an empty row for each id that has none. Ids are inserted in sorted order, so two
   * transactions creating overlapping sets wait on each other in one direction only.
   */
  async insertMissing(m: EntityManager, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await m.query(
      `INSERT INTO calls (id) SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)
        ORDER BY n ON CONFLICT (id) DO NOTHING`,
      [[...ids].sort()],
    );
  }

  /**
   * Reads calls and locks their rows until the transaction ends, in one statement and in id
   * order: every writer locks in the same order, so two of them sharing calls never deadlock.
   * Plain SQL hydrated through the entity's column metadata, as TypeORM would: this runs for
   * every batch of call events, where the query builder's SQL generation cost more than the read.
   */
  async lockByIds(m: EntityManager, ids: readonly string[]): Promise<Call[]> {
    if (ids.length === 0) return [];
    const raw = await m.query<Record<string, unknown>[]>(
      'SELECT * FROM calls WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
      [[...ids]],
    );
    const { driver } = m.connection;
    const columns = m.connection.getMetadata(Call).columns;
    return raw.map((row) => {
      const call = new Call();
      for (const column of columns) {
        column.setEntityValue(call, driver.prepareHydratedValue(row[column.databaseName], column));
      }
      return call;
    });
  }

  /**
   * Writes changed columns of many calls: one UPDATE per distinct set of columns (a batch has a
   * handful: status changes, transcript turns, reports), each row's values from an unnest of
   * arrays. `updated_at` is bumped on every row written.
   */
  async updateMany(
    m: EntityManager,
    updates: ReadonlyArray<{ id: string; columns: Partial<CallColumns> }>,
  ): Promise<void> {
    const groups = new Map<string, Array<{ id: string; columns: Partial<CallColumns> }>>();
    for (const update of updates) {
      const keys = Object.keys(update.columns).sort();
      if (keys.length === 0) continue;
      const key = keys.join(',');
      groups.set(key, [...(groups.get(key) ?? []), update]);
    }
    const metadata = m.connection.getMetadata(Call);
    for (const [key, rows] of groups) {
      const properties = key.split(',') as (keyof CallColumns)[];
      const columns = properties.map((property) => {
        const column = metadata.findColumnWithPropertyName(property);
        if (column === undefined) throw new Error(`calls has no column for ${property}`);
        return { property, name: column.databaseName, type: String(column.type) };
      });
      const params: unknown[] = [rows.map((r) => r.id)];
      const selects = ['$1::text[]'];
      for (const column of columns) {
        params.push(rows.map((r) => toParam(r.columns[column.property], column.type)));
        selects.push(`$${params.length}::${column.type}[]`);
      }
      const sets = columns.map((c) => `"${c.name}" = v."${c.name}"`);
      await m.query(
        `UPDATE calls c SET ${sets.join(', ')}, updated_at = now()
           FROM unnest(${selects.join(', ')}) AS v(id, ${columns.map((c) => `"${c.name}"`).join(', ')})
          WHERE c.id = v.id`,
        params,
      );
    }
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

/** A column value as a bind parameter of an array of the column's type. */
function toParam(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (type === 'jsonb') return JSON.stringify(value);
  return value;
}
