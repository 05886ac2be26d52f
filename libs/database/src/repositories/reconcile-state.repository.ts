import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReconcileWatermark } from '../entities/reconcile-watermark.entity';

/** What is stored of one call, as far as reconciliation cares. */
export interface StoredCallState {
  status: string | null;
  /** Its end-of-call report is in the event log. */
  reported: boolean;
}

/** The reconcile sweep's watermark, and what it compares VAPI's calls with. */
@Injectable()
export class ReconcileStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The stored watermark of `key`, or null before the first sweep. */
  async findWatermark(key: string): Promise<Date | null> {
    const row = await this.dataSource.getRepository(ReconcileWatermark).findOne({ where: { key } });
    return row?.watermark ?? null;
  }

  /**
   * Moves the watermark of `key` to `to`, never backwards (two sweeps racing, or a clock
   * stepping back, must not make a later one redo or skip work).
   */
  async advanceWatermark(key: string, to: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO reconcile_watermarks (key, watermark) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE
         SET watermark = GREATEST(reconcile_watermarks.watermark, EXCLUDED.watermark),
             updated_at = now()`,
      [key, to],
    );
  }

  /** The stored status of each of these calls, and whether its report arrived; one query. */
  async findCallStates(ids: readonly string[]): Promise<Map<string, StoredCallState>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<
      { id: string; status: string | null; reported: boolean }[]
    >(
      `SELECT c.id, c.status,
              EXISTS (SELECT 1 FROM call_events e
                       WHERE e.call_id = c.id AND e.kind = 'end-of-call-report') AS reported
         FROM calls c
        WHERE c.id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { status: r.status, reported: r.reported }]));
  }
}
