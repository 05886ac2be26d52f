import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two things the batched worker and the read API need (issue 9):
 * - `idx_calls_list_order`: `GET /api/calls` sorts by `COALESCE(created_at_vapi, first_seen_at)`
 *   then `id`, both descending; the older per-column indexes cannot serve that expression, so
 *   every page was a sort of the whole (filtered) table.
 * - `transcript_count` / `transcript_digest`: how many segments a call has and a rolling digest
 *   of them, so a conversation-update (which carries the whole history) appends only its new
 *   tail without reading the stored segments, and rewrites only when the history really differs.
 *   A NULL digest means "not known": rows written before this migration are read once, then kept.
 */
export class CallsListOrderAndTranscriptHead1764610000000 implements MigrationInterface {
  name = 'CallsListOrderAndTranscriptHead1764610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "idx_calls_list_order" ON "calls" ((COALESCE("created_at_vapi", "first_seen_at")) DESC, "id" DESC)`,
    );
    await q.query(`ALTER TABLE "calls" ADD "transcript_count" integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE "calls" ADD "transcript_digest" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "calls" DROP COLUMN "transcript_digest"`);
    await q.query(`ALTER TABLE "calls" DROP COLUMN "transcript_count"`);
    await q.query(`DROP INDEX "idx_calls_list_order"`);
  }
}
