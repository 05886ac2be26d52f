import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * calls, call_events (the event log), transcript_segments and recordings.
 * Money and durations are numeric; enum-like values are text with CHECKs (VAPI adds values).
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "calls" (
        "id"                   text          NOT NULL,
        "status"               text,
        "status_rank"          smallint,
        "type"                 text,
        "assistant_id"         text,
        "phone_number_id"      text,
        "customer_number"      text,
        "created_at_vapi"      timestamptz,
        "started_at"           timestamptz,
        "ended_at"             timestamptz,
        "ended_reason"         text,
        "outcome"              text          NOT NULL DEFAULT 'in-progress',
        "failed"               boolean       NOT NULL DEFAULT false,
        "duration_seconds"     numeric(12,3),
        "cost"                 numeric(14,6),
        "cost_breakdown"       jsonb,
        "costs"                jsonb,
        "summary"              text,
        "structured_data"      jsonb,
        "success_evaluation"   text,
        "transcript_text"      text,
        "transcript_stats"     jsonb,
        "transcript_source"    text,
        "transcript_version"   jsonb,
        "recording_url"        text,
        "stereo_recording_url" text,
        "field_versions"       jsonb         NOT NULL DEFAULT '{}'::jsonb,
        "last_event_at"        timestamptz,
        "first_seen_at"        timestamptz   NOT NULL DEFAULT now(),
        "updated_at"           timestamptz   NOT NULL DEFAULT now(),
        CONSTRAINT "pk_calls" PRIMARY KEY ("id"),
        CONSTRAINT "ck_calls_transcript_source"
          CHECK ("transcript_source" IN ('live-final', 'conversation', 'report'))
      )`);
    // The read API lists newest first (keyset on the sort column + id) and filters by these.
    await q.query(
      `CREATE INDEX "idx_calls_created_at_vapi" ON "calls" ("created_at_vapi" DESC NULLS LAST, "id" DESC)`,
    );
    await q.query(
      `CREATE INDEX "idx_calls_started_at" ON "calls" ("started_at" DESC NULLS LAST, "id" DESC)`,
    );
    await q.query(
      `CREATE INDEX "idx_calls_first_seen_at" ON "calls" ("first_seen_at" DESC, "id" DESC)`,
    );
    await q.query(`CREATE INDEX "idx_calls_status" ON "calls" ("status")`);
    await q.query(`CREATE INDEX "idx_calls_outcome" ON "calls" ("outcome")`);
    await q.query(
      `CREATE INDEX "idx_calls_assistant_id" ON "calls" ("assistant_id", "created_at_vapi" DESC NULLS LAST)`,
    );

    await q.query(`
      CREATE TABLE "call_events" (
        "id"                bigserial   NOT NULL,
        "call_id"           text,
        "dedup_key"         text        NOT NULL,
        "kind"              text        NOT NULL,
        "message_type"      text        NOT NULL,
        "occurred_at"       timestamptz,
        "received_at"       timestamptz NOT NULL,
        "payload"           jsonb,
        "payload_purged_at" timestamptz,
        CONSTRAINT "pk_call_events" PRIMARY KEY ("id"),
        CONSTRAINT "uq_call_events_dedup_key" UNIQUE ("dedup_key")
      )`);
    await q.query(
      `CREATE INDEX "idx_call_events_call_id_occurred_at" ON "call_events" ("call_id", "occurred_at")`,
    );
    // Payload retention scans only rows that still hold a payload.
    await q.query(
      `CREATE INDEX "idx_call_events_unpurged_received_at" ON "call_events" ("received_at") WHERE "payload" IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE "transcript_segments" (
        "call_id"            text    NOT NULL,
        "seq"                integer NOT NULL,
        "role"               text    NOT NULL,
        "text"               text    NOT NULL,
        "seconds_from_start" numeric,
        "duration_seconds"   numeric,
        "occurred_at"        timestamptz,
        "source"             text    NOT NULL,
        CONSTRAINT "pk_transcript_segments" PRIMARY KEY ("call_id", "seq"),
        CONSTRAINT "fk_transcript_segments_call"
          FOREIGN KEY ("call_id") REFERENCES "calls" ("id") ON DELETE CASCADE,
        CONSTRAINT "ck_transcript_segments_source"
          CHECK ("source" IN ('live-final', 'conversation', 'report'))
      )`);

    await q.query(`
      CREATE TABLE "recordings" (
        "id"            bigserial   NOT NULL,
        "call_id"       text        NOT NULL,
        "kind"          text        NOT NULL,
        "source_url"    text        NOT NULL,
        "state"         text        NOT NULL DEFAULT 'pending',
        "attempts"      integer     NOT NULL DEFAULT 0,
        "storage_path"  text,
        "byte_size"     bigint,
        "content_type"  text,
        "sha256"        text,
        "last_error"    text,
        "downloaded_at" timestamptz,
        "created_at"    timestamptz NOT NULL DEFAULT now(),
        "updated_at"    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_recordings" PRIMARY KEY ("id"),
        CONSTRAINT "uq_recordings_call_id_kind" UNIQUE ("call_id", "kind"),
        CONSTRAINT "fk_recordings_call"
          FOREIGN KEY ("call_id") REFERENCES "calls" ("id") ON DELETE CASCADE,
        CONSTRAINT "ck_recordings_state"
          CHECK ("state" IN ('pending', 'downloading', 'stored', 'failed'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "recordings"`);
    await q.query(`DROP TABLE "transcript_segments"`);
    await q.query(`DROP TABLE "call_events"`);
    await q.query(`DROP TABLE "calls"`);
  }
}
