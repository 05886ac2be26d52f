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

  /** Registers recordings of several calls at once, in one statement; the first URL of a kind wins. */
  async registerForCalls(
    m: EntityManager,
    refs: ReadonlyArray<{ callId: string; kind: string; url: string }>,
  ): Promise<void> {
    if (refs.length === 0) return;
    // Column arrays, one statement: this runs for every batch of call events. Kinds already
    // registered are filtered out first: ON CONFLICT alone would wait for any transaction that
    // is updating the existing row (a download being marked stored) only to then do nothing.
    await m.query(
      `INSERT INTO recordings (call_id, kind, source_url)
       SELECT u.call_id, u.kind, u.url FROM unnest($1::text[], $2::text[], $3::text[]) AS u(call_id, kind, url)
        WHERE NOT EXISTS (SELECT 1 FROM recordings r WHERE r.call_id = u.call_id AND r.kind = u.kind)
       ON CONFLICT DO NOTHING`,
      [refs.map((r) => r.callId), refs.map((r) => r.kind), refs.map((r) => r.url)],
    );
  }

  /**
   * Starts a download attempt: registers the recording if it is not yet known (the URL first
   * registered for a kind wins), marks it `downloading` and counts the attempt, unless it is
   * already stored. One statement, atomic on the row: a recording job runs for every kind of
   * every call, so a transaction holding the row's lock over several round trips would cost
   * each job those round trips and make call-event batches that register recordings wait.
   * Returns the row to download, or null when it is stored.
   */
  async claimDownload(
    callId: string,
    kind: string,
    url: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<Pick<Recording, 'id' | 'callId' | 'kind' | 'sourceUrl'> | null> {
    const rows = await m.query<{ id: string; call_id: string; kind: string; source_url: string }[]>(
      `INSERT INTO recordings AS r (call_id, kind, source_url, state, attempts)
       VALUES ($1, $2, $3, 'downloading', 1)
       ON CONFLICT (call_id, kind) DO UPDATE
         SET state = 'downloading', attempts = r.attempts + 1, updated_at = now()
         WHERE r.state <> 'stored'
       RETURNING r.id::text AS id, r.call_id, r.kind, r.source_url`,
      [callId, kind, url],
    );
    const [row] = rows;
    return row === undefined
      ? null
      : { id: row.id, callId: row.call_id, kind: row.kind, sourceUrl: row.source_url };
  }

  /** Records a finished download. */
  async markStored(
    id: string,
    file: StoredRecordingFile,
    m = this.dataSource.manager,
  ): Promise<void> {
    // Plain SQL: this runs once per downloaded recording, and the entity manager's update
    // builder costs more CPU than the statement.
    await m.query(
      `UPDATE recordings
          SET state = 'stored', storage_path = $2, byte_size = $3, content_type = $4, sha256 = $5,
              last_error = NULL, downloaded_at = now(), updated_at = now()
        WHERE id = $1`,
      [id, file.path, String(file.byteSize), file.contentType, file.sha256],
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
