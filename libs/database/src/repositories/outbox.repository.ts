import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A job to enqueue later: where it goes, what it is, and its deterministic BullMQ job id. */
export interface OutboxJob {
  queue: string;
  name: string;
  jobId: string;
  data: unknown;
}

/** A stored job and its row id (oldest first). */
export interface StoredOutboxJob extends OutboxJob {
  id: string;
}

/** Rows of `outbox`: jobs the api accepted while the queue could not take them. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a job; if a row with its job id is already waiting, that row stands for it. */
  async add(job: OutboxJob): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO outbox (queue, job_name, job_id, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (job_id) DO NOTHING`,
      [job.queue, job.name, job.jobId, JSON.stringify(job.data)],
    );
  }

  /**
   * Claims up to `limit` of the oldest rows that no other relay holds (`FOR UPDATE SKIP LOCKED`,
   * so any number of relays may run), hands them to `deliver` and deletes them once it resolved,
   * in one transaction: if `deliver` throws, or the process dies before the commit, the rows
   * stay for the next claim. Returns how many rows were delivered.
   */
  relayOldest(limit: number, deliver: (jobs: StoredOutboxJob[]) => Promise<void>): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<
        { id: string; queue: string; job_name: string; job_id: string; data: unknown }[]
      >(
        `SELECT id, queue, job_name, job_id, data FROM outbox
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await deliver(
        rows.map((r) => ({
          id: r.id,
          queue: r.queue,
          name: r.job_name,
          jobId: r.job_id,
          data: r.data,
        })),
      );
      await manager.query(`DELETE FROM outbox WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      return rows.length;
    });
  }

  /** Rows waiting (including those a relay is enqueueing right now). */
  async depth(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM outbox',
    );
    return row?.n ?? 0;
  }
}
