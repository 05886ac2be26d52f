import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The intake outbox (issue 10): jobs the api accepted while the queue could not take them,
 * waiting for a relay to enqueue them. `job_id` is the BullMQ job id, unique so that a
 * redelivery during the outage stores one row; `id` gives the relay its oldest-first order.
 */
export class Outbox1764620000010 implements MigrationInterface {
  name = 'Outbox1764620000010';

  async up(q: QueryRunner): Promise<void> {
    // `data` is json, not jsonb: stored as received (cheaper to write, never queried into).
    await q.query(`
      CREATE TABLE "outbox" (
        "id"         bigint      GENERATED ALWAYS AS IDENTITY,
        "queue"      text        NOT NULL,
        "job_name"   text        NOT NULL,
        "job_id"     text        NOT NULL,
        "data"       json        NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_outbox" PRIMARY KEY ("id"),
        CONSTRAINT "uq_outbox_job_id" UNIQUE ("job_id")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "outbox"`);
  }
}
