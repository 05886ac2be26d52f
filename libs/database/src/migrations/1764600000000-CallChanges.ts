import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The change feed: one row per committed change of a call, and a NOTIFY on the `call_changes`
 * channel from every statement that adds some (delivered at commit, so only committed changes
 * are announced), for the live streams of every api process.
 */
export class CallChanges1764600000000 implements MigrationInterface {
  name = 'CallChanges1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "call_changes" (
        "id"         bigserial   NOT NULL,
        "call_id"    text        NOT NULL,
        "kind"       text        NOT NULL,
        "data"       jsonb       NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_call_changes" PRIMARY KEY ("id"),
        CONSTRAINT "ck_call_changes_kind"
          CHECK ("kind" IN ('status', 'transcript', 'summary', 'recording'))
      )`);
    await q.query(`CREATE INDEX "idx_call_changes_call_id_id" ON "call_changes" ("call_id", "id")`);
    await q.query(`
      CREATE FUNCTION "notify_call_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('call_changes', '');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER "trg_call_changes_notify" AFTER INSERT ON "call_changes"
        FOR EACH STATEMENT EXECUTE FUNCTION "notify_call_changes"()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "call_changes"`);
    await q.query(`DROP FUNCTION "notify_call_changes"()`);
  }
}
