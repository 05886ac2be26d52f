import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where the reconcile sweep (`GET /call?updatedAtGt=<watermark>`) has got to, so a restarted
 * worker resumes instead of starting over or skipping what changed while it was down (issue 14).
 */
export class ReconcileWatermark1764630000040 implements MigrationInterface {
  name = 'ReconcileWatermark1764630000040';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "reconcile_watermarks" (
        "key"        text        NOT NULL,
        "watermark"  timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_reconcile_watermarks" PRIMARY KEY ("key")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "reconcile_watermarks"`);
  }
}
