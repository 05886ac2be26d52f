import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A call row is rewritten for nearly every event (its merge versions and last event time
 * change each time), and `calls` carries a dozen indexes for the read API. At the default
 * fillfactor (100) pages are full, so almost every such update puts the new row version on
 * another page and inserts into every index. With room left on each page, Postgres updates the
 * row in place ("HOT"), touching no index while no indexed column changed, which is the common
 * case (transcript turns, speech and conversation updates). Pages written from now on keep the
 * room; a `VACUUM FULL calls` applies it to existing ones when convenient.
 */
export class CallsFillfactor1764650000000 implements MigrationInterface {
  name = 'CallsFillfactor1764650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "calls" SET (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "calls" RESET (fillfactor)`);
  }
}
