import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Recording } from '../entities/recording.entity';

/** A stored copy of a recording. */
export interface StoredRecordingFile {
  path: string;
  byteSize: number;
  contentType: string | null;
  sha256: string;
}

/** Rows of `recordings`. */
@Injectable()
export class RecordingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Adds a pending row per (call, kind) not known yet; known ones keep their URL and state. */
  async registerMany(
    m: EntityManager,
    callId: string,
    refs: ReadonlyArray<{ kind: string; url: string }>,
  ): Promise<void> {
    if (refs.length === 0) return;
    await m
      .createQueryBuilder()
      .insert()
      .into(Recording)
      .values(refs.map((ref) => ({ callId, kind: ref.kind, sourceUrl: ref.url })))
      .orIgnore()
      .execute();
  }

  /** `registerMany` for several calls at once, in one statement. */
  async registerForCalls(
    m: EntityManager,
    refs: ReadonlyArray<{ callId: string; kind: string; url: string }>,
  ): Promise<void> {
    if (refs.length === 0) return;
    // Column arrays, one statement: this runs for every batch of call events.
    await m.query(
      `INSERT INTO recordings (call_id, kind, source_url)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
       ON CONFLICT DO NOTHING`,
      [refs.map((r) => r.callId), refs.map((r) => r.kind), refs.map((r) => r.url)],
    );
  }

  /** Reads a recording row and locks it until the transaction ends. */
  findForUpdate(m: EntityManager, callId: string, kind: string): Promise<Recording | null> {
    return m
      .getRepository(Recording)
      .findOne({ where: { callId, kind }, lock: { mode: 'pessimistic_write' } });
  }

  /** Marks a download as started and counts the attempt. */
  async markDownloading(m: EntityManager, id: string): Promise<void> {
    await m
      .createQueryBuilder()
      .update(Recording)
      .set({ state: 'downloading', attempts: () => '"attempts" + 1' })
      .where('id = :id', { id })
      .execute();
  }

  /** Records a finished download. */
  async markStored(
    id: string,
    file: StoredRecordingFile,
    m = this.dataSource.manager,
  ): Promise<void> {
    await m.update(
      Recording,
      { id },
      {
        state: 'stored',
        storagePath: file.path,
        byteSize: String(file.byteSize),
        contentType: file.contentType,
        sha256: file.sha256,
        lastError: null,
        downloadedAt: new Date(),
      },
    );
  }

  /** Records a failed attempt: back to `pending` for a retry, or `failed` after the last one. */
  async markAttemptFailed(
    id: string,
    error: string,
    finalAttempt: boolean,
    m = this.dataSource.manager,
  ): Promise<void> {
    await m.update(
      Recording,
      { id },
      { state: finalAttempt ? 'failed' : 'pending', lastError: error },
    );
  }

  /** A call's recording of one kind. */
  findByCallAndKind(
    callId: string,
    kind: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<Recording | null> {
    return m.getRepository(Recording).findOne({ where: { callId, kind } });
  }

  /** All recordings of a call. */
  listByCall(callId: string, m: EntityManager = this.dataSource.manager): Promise<Recording[]> {
    return m.getRepository(Recording).find({ where: { callId }, order: { kind: 'ASC' } });
  }
}
