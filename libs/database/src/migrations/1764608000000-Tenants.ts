import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants, their webhook credentials and read-API tokens (issue 12, first half). The `default`
 * tenant is created here: it is the one `/api/webhook/vapi` and today's env secrets serve, so an
 * existing single-organisation install changes nothing.
 */
export class Tenants1764608000000 implements MigrationInterface {
  name = 'Tenants1764608000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tenants" (
        "id"          text        NOT NULL,
        "name"        text        NOT NULL,
        "created_at"  timestamptz NOT NULL DEFAULT now(),
        "disabled_at" timestamptz,
        CONSTRAINT "pk_tenants" PRIMARY KEY ("id"),
        CONSTRAINT "ck_tenants_id" CHECK ("id" ~ '^[a-z0-9][a-z0-9-]{0,62}$')
      )`);
    await q.query(`INSERT INTO "tenants" ("id", "name") VALUES ('default', 'Default tenant')`);

    await q.query(`
      CREATE TABLE "webhook_credentials" (
        "id"            text        NOT NULL,
        "tenant_id"     text        NOT NULL,
        "kind"          text        NOT NULL,
        "slot"          smallint    NOT NULL,
        "label"         text,
        "secret_hash"   bytea,
        "sealed_secret" bytea,
        "key_id"        text,
        "created_at"    timestamptz NOT NULL DEFAULT now(),
        "revoked_at"    timestamptz,
        CONSTRAINT "pk_webhook_credentials" PRIMARY KEY ("id"),
        CONSTRAINT "fk_webhook_credentials_tenant"
          FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id"),
        CONSTRAINT "ck_webhook_credentials_kind" CHECK ("kind" IN ('legacy-secret', 'bearer', 'hmac')),
        CONSTRAINT "ck_webhook_credentials_slot" CHECK ("slot" IN (1, 2)),
        CONSTRAINT "ck_webhook_credentials_material" CHECK (
          CASE WHEN "kind" = 'hmac'
            THEN "sealed_secret" IS NOT NULL AND "key_id" IS NOT NULL AND "secret_hash" IS NULL
            ELSE octet_length("secret_hash") = 32 AND "sealed_secret" IS NULL AND "key_id" IS NULL
          END)
      )`);
    // At most two active credentials of a kind per tenant, even with concurrent CLIs.
    await q.query(`
      CREATE UNIQUE INDEX "uq_webhook_credentials_active_slot"
        ON "webhook_credentials" ("tenant_id", "kind", "slot") WHERE "revoked_at" IS NULL`);

    await q.query(`
      CREATE TABLE "read_tokens" (
        "id"           text        NOT NULL,
        "tenant_id"    text,
        "label"        text,
        "token_hash"   bytea       NOT NULL,
        "created_at"   timestamptz NOT NULL DEFAULT now(),
        "expires_at"   timestamptz,
        "revoked_at"   timestamptz,
        "last_used_at" timestamptz,
        CONSTRAINT "pk_read_tokens" PRIMARY KEY ("id"),
        CONSTRAINT "fk_read_tokens_tenant" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id"),
        CONSTRAINT "ck_read_tokens_token_hash" CHECK (octet_length("token_hash") = 32)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "read_tokens"`);
    await q.query(`DROP TABLE "webhook_credentials"`);
    await q.query(`DROP TABLE "tenants"`);
  }
}
