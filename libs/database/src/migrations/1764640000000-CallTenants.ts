import type { MigrationInterface, QueryRunner } from 'typeorm';
import { localIdOfKeySql, tenantOfKeySql } from '../tenancy/tenant-keys';

const CALL_TENANT = tenantOfKeySql('"id"');
const CALL_VAPI_ID = localIdOfKeySql('"id"');
const EVENT_TENANT = tenantOfKeySql('"dedup_key"');
const CALL_ID_TENANT = tenantOfKeySql('"call_id"');
const GENERATED_COLUMNS: Array<[table: string, column: string, expression: string]> = [
  ['calls', 'tenant_id', CALL_TENANT],
  ['calls', 'vapi_call_id', CALL_VAPI_ID],
  ['call_events', 'tenant_id', EVENT_TENANT],
  ['recordings', 'tenant_id', CALL_ID_TENANT],
  ['call_changes', 'tenant_id', CALL_ID_TENANT],
];

/**
 * Calls, the event log, recordings and the change feed carry their tenant (issue 12, second
 * half). The tenant is derived from the stored key (see `tenant-keys.ts`) as a stored generated
 * column, so it can never disagree with the key and no writer has to be taught it: every row that
 * exists today has a bare key and so lands in `default` without a single row being rewritten by
 * hand. Adding a stored generated column rewrites the table once (an exclusive lock for the
 * duration): run this migration before starting the new release on a large event log.
 */
export class CallTenants1764640000000 implements MigrationInterface {
  name = 'CallTenants1764640000000';

  async up(q: QueryRunner): Promise<void> {
    // TypeORM keeps generated columns' expressions here (it cannot read them back from
    // Postgres in a comparable form); without the rows a schema diff would see changed columns.
    await q.query(`
      CREATE TABLE IF NOT EXISTS "typeorm_metadata" (
        "type" varchar NOT NULL, "database" varchar, "schema" varchar, "table" varchar,
        "name" varchar, "value" text
      )`);
    for (const [table, column, expression] of GENERATED_COLUMNS) {
      await q.query(
        `INSERT INTO "typeorm_metadata" ("type", "database", "schema", "table", "name", "value")
         VALUES ('GENERATED_COLUMN', current_database(), current_schema(), $1, $2, $3)`,
        [table, column, expression],
      );
    }
    await q.query(`
      ALTER TABLE "calls"
        ADD COLUMN "tenant_id" text NOT NULL GENERATED ALWAYS AS (${CALL_TENANT}) STORED,
        ADD COLUMN "vapi_call_id" text NOT NULL GENERATED ALWAYS AS (${CALL_VAPI_ID}) STORED,
        ADD CONSTRAINT "fk_calls_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id")`);
    await q.query(
      `CREATE UNIQUE INDEX "uq_calls_tenant_id_vapi_call_id" ON "calls" ("tenant_id", "vapi_call_id")`,
    );
    // An operator (all tenants) looks a call up by its VAPI id alone.
    await q.query(`CREATE INDEX "idx_calls_vapi_call_id" ON "calls" ("vapi_call_id")`);
    // A tenant's list, newest first, in the read API's order.
    await q.query(`
      CREATE INDEX "idx_calls_tenant_id_created" ON "calls"
        ("tenant_id", COALESCE("created_at_vapi", "first_seen_at") DESC, "id" DESC)`);

    // Events without a call still belong to a tenant: derive it from the (prefixed) dedup key.
    await q.query(`
      ALTER TABLE "call_events"
        ADD COLUMN "tenant_id" text NOT NULL GENERATED ALWAYS AS (${EVENT_TENANT}) STORED`);
    await q.query(`
      ALTER TABLE "recordings"
        ADD COLUMN "tenant_id" text NOT NULL GENERATED ALWAYS AS (${CALL_ID_TENANT}) STORED`);
    await q.query(`
      ALTER TABLE "call_changes"
        ADD COLUMN "tenant_id" text NOT NULL GENERATED ALWAYS AS (${CALL_ID_TENANT}) STORED`);
    // A tenant's all-calls stream resumes by position within its own changes.
    await q.query(
      `CREATE INDEX "idx_call_changes_tenant_id_id" ON "call_changes" ("tenant_id", "id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM "typeorm_metadata" WHERE "type" = 'GENERATED_COLUMN' AND "name" IN ('tenant_id', 'vapi_call_id')`,
    );
    await q.query(`DROP INDEX "idx_call_changes_tenant_id_id"`);
    await q.query(`ALTER TABLE "call_changes" DROP COLUMN "tenant_id"`);
    await q.query(`ALTER TABLE "recordings" DROP COLUMN "tenant_id"`);
    await q.query(`ALTER TABLE "call_events" DROP COLUMN "tenant_id"`);
    await q.query(`DROP INDEX "idx_calls_tenant_id_created"`);
    await q.query(`DROP INDEX "idx_calls_vapi_call_id"`);
    await q.query(`DROP INDEX "uq_calls_tenant_id_vapi_call_id"`);
    await q.query(
      `ALTER TABLE "calls" DROP CONSTRAINT "fk_calls_tenant", DROP COLUMN "vapi_call_id", DROP COLUMN "tenant_id"`,
    );
  }
}
