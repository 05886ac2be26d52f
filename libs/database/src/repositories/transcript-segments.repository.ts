import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { TranscriptSegment } from '../entities/transcript-segment.entity';

/** A segment to store; `seq` is its position in the list given to `replaceForCall`. */
export type NewTranscriptSegment = Omit<TranscriptSegment, 'callId' | 'seq' | 'call'>;

/** Keeps each INSERT far below Postgres' 65535 bind-parameter limit. */
const INSERT_CHUNK = 1000;

/** Rows of `transcript_segments`. */
@Injectable()
export class TranscriptSegmentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A call's segments in order. */
  listByCall(
    callId: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<TranscriptSegment[]> {
    return m.getRepository(TranscriptSegment).find({ where: { callId }, order: { seq: 'ASC' } });
  }

  /** The segments of several calls, in order, by call (calls without any are absent). */
  async listByCalls(
    m: EntityManager,
    callIds: readonly string[],
  ): Promise<Map<string, TranscriptSegment[]>> {
    const byCall = new Map<string, TranscriptSegment[]>();
    if (callIds.length === 0) return byCall;
    const rows = await m
      .getRepository(TranscriptSegment)
      .createQueryBuilder('s')
      .where('s.callId = ANY(:ids)', { ids: [...callIds] })
      .orderBy('s.callId', 'ASC')
      .addOrderBy('s.seq', 'ASC')
      .getMany();
    for (const row of rows) byCall.set(row.callId, [...(byCall.get(row.callId) ?? []), row]);
    return byCall;
  }

  /** Deletes every segment of the given calls; call it under their row locks. */
  async deleteForCalls(m: EntityManager, callIds: readonly string[]): Promise<void> {
    if (callIds.length === 0) return;
    await m.query('DELETE FROM transcript_segments WHERE call_id = ANY($1::text[])', [
      [...callIds],
    ]);
  }

  /**
   * Inserts segments at the positions they carry (an appended tail starts where the stored
   * segments end); call it under the calls' row locks. One statement of column arrays, whatever
   * the count: it runs for every batch of call events, where building an INSERT of N tuples
   * (and reading back what it returns) cost more than the insert itself.
   */
  async insertMany(
    m: EntityManager,
    rows: ReadonlyArray<NewTranscriptSegment & { callId: string; seq: number }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO transcript_segments
         (call_id, seq, role, text, seconds_from_start, duration_seconds, occurred_at, source)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::numeric[],
                            $6::numeric[], $7::timestamptz[], $8::text[])`,
      [
        rows.map((r) => r.callId),
        rows.map((r) => r.seq),
        rows.map((r) => r.role),
        rows.map((r) => r.text),
        rows.map((r) => r.secondsFromStart),
        rows.map((r) => r.durationSeconds),
        rows.map((r) => (r.occurredAt === null ? null : r.occurredAt.toISOString())),
        rows.map((r) => r.source),
      ],
    );
  }

  /** Replaces all segments of a call; call it under the call's row lock. */
  async replaceForCall(
    m: EntityManager,
    callId: string,
    segments: NewTranscriptSegment[],
  ): Promise<void> {
    await m.delete(TranscriptSegment, { callId });
    const rows = segments.map((segment, seq) => ({ ...segment, callId, seq }));
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      await m.insert(TranscriptSegment, rows.slice(i, i + INSERT_CHUNK));
    }
  }
}
