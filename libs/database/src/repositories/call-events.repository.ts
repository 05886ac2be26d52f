import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, type QueryDeepPartialEntity } from 'typeorm';
import { CallEventRecord } from '../entities/call-event-record.entity';

/** What the worker appends to the event log. */
export type NewCallEventRecord = Pick<
  CallEventRecord,
  'callId' | 'dedupKey' | 'kind' | 'messageType' | 'occurredAt' | 'receivedAt' | 'payload'
>;

/** Rows per INSERT: 7 parameters each, far below Postgres' 65535 bind-parameter limit. */
const APPEND_CHUNK = 1000;

/** The event log (`call_events`). */
@Injectable()
export class CallEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends an event unless its dedup key is already logged; true when it was new. */
  async append(m: EntityManager, record: NewCallEventRecord): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .insert()
      .into(CallEventRecord)
      // jsonb `payload` is `unknown`, which TypeORM's deep-partial type cannot express.
      .values(record as QueryDeepPartialEntity<CallEventRecord>)
      .orIgnore()
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length > 0;
  }

  /**
   * Appends many events in one statement; a dedup key already logged (or twice in `records`) is
   * not stored again. Returns the dedup keys that were new. Rows go in dedup-key order, so two
   * transactions appending overlapping keys wait on each other in one direction only.
   */
  async appendMany(m: EntityManager, records: readonly NewCallEventRecord[]): Promise<Set<string>> {
    const fresh = new Set<string>();
    const sorted = [...records].sort((a, b) =>
      a.dedupKey < b.dedupKey ? -1 : a.dedupKey > b.dedupKey ? 1 : 0,
    );
    for (let i = 0; i < sorted.length; i += APPEND_CHUNK) {
      const chunk = sorted.slice(i, i + APPEND_CHUNK);
      const params: unknown[] = [];
      const rows = chunk.map((r) => {
        params.push(
          r.callId,
          r.dedupKey,
          r.kind,
          r.messageType,
          r.occurredAt,
          r.receivedAt,
          r.payload === null || r.payload === undefined ? null : JSON.stringify(r.payload),
        );
        const p = params.length - 7;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}::timestamptz, $${p + 6}::timestamptz, $${p + 7}::jsonb)`;
      });
      const inserted = await m.query<{ dedup_key: string }[]>(
        `INSERT INTO call_events (call_id, dedup_key, kind, message_type, occurred_at, received_at, payload)
         VALUES ${rows.join(', ')}
         ON CONFLICT (dedup_key) DO NOTHING
         RETURNING dedup_key`,
        params,
      );
      for (const row of inserted) fresh.add(row.dedup_key);
    }
    return fresh;
  }

  /** The logged end-of-call report of a call (there is one per call: its dedup key is per call). */
  findEndOfCallReport(
    callId: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<CallEventRecord | null> {
    return m.getRepository(CallEventRecord).findOne({
      where: { callId, kind: 'end-of-call-report' },
      order: { occurredAt: { direction: 'DESC', nulls: 'LAST' }, id: 'DESC' },
    });
  }

  /**
   * Payload retention, one batch: drops the stored body of up to `limit` events received before
   * `cutoff` and stamps `payload_purged_at`; returns how many. One short statement on the partial
   * index of unpurged rows; rows another transaction holds are skipped, never waited on.
   */
  async purgePayloadsReceivedBefore(cutoff: Date, limit: number): Promise<number> {
    // A SELECT on top, so the driver hands back rows (not an UPDATE's [rows, count] pair).
    const [{ purged }] = await this.dataSource.query<{ purged: number }[]>(
      `WITH batch AS (
         SELECT id FROM call_events
          WHERE payload IS NOT NULL AND received_at < $1
          ORDER BY received_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED
       ), done AS (
         UPDATE call_events e SET payload = NULL, payload_purged_at = now()
           FROM batch WHERE e.id = batch.id
         RETURNING e.id
       )
       SELECT count(*)::int AS purged FROM done`,
      [cutoff, limit],
    );
    return purged;
  }

  /** Every logged event of a call, oldest first. */
  listByCall(
    callId: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<CallEventRecord[]> {
    return m.getRepository(CallEventRecord).find({
      where: { callId },
      order: { occurredAt: { direction: 'ASC', nulls: 'FIRST' }, id: 'ASC' },
    });
  }
}
