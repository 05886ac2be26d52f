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
