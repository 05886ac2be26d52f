import { DataSource } from 'typeorm';
import { buildDataSourceOptions, ensureDatabase, runMigrations } from '@app/database';
import { testConfig } from '../helpers/config';
import { createTestDatabase, dropDatabase, type TestDatabase } from '../helpers/database';

describe('database schema', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('creates the tables and the read-API indexes', async () => {
    const tables: Array<{ table_name: string }> = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'call_changes',
      'call_events',
      'calls',
      'migrations',
      'outbox',
      'read_tokens',
      'reconcile_watermarks',
      'recordings',
      'tenants',
      'transcript_segments',
      'typeorm_metadata',
      'webhook_credentials',
    ]);
    const indexes: Array<{ indexname: string }> = await db.dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'calls' ORDER BY 1`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'idx_calls_assistant_id',
      'idx_calls_created_at_vapi',
      'idx_calls_first_seen_at',
      'idx_calls_list_order',
      'idx_calls_outcome',
      'idx_calls_started_at',
      'idx_calls_status',
      'idx_calls_tenant_id_created',
      'idx_calls_vapi_call_id',
      'pk_calls',
      'uq_calls_tenant_id_vapi_call_id',
    ]);
  });

  it('serves the read API list ordering from an index', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      // A near-empty table would be scanned anyway; ask the planner what it would do at scale.
      await runner.query('SET enable_seqscan = off');
      const plan: Array<{ 'QUERY PLAN': string }> = await runner.query(
        `EXPLAIN SELECT * FROM calls call
          ORDER BY COALESCE(call.created_at_vapi, call.first_seen_at) DESC, call.id DESC LIMIT 50`,
      );
      const text = plan.map((row) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('idx_calls_list_order');
      expect(text).not.toMatch(/\bSort\b/);
    } finally {
      await runner.release();
    }
  });

  it('leaves room on calls pages, so per-event updates skip the indexes (HOT)', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      // Enough rows to fill several pages: at the default fillfactor the first one is full.
      await runner.query(
        `INSERT INTO calls (id, field_versions)
         SELECT 'hot-' || lpad(n::text, 4, '0'), '{"status": [2, 1, "k"]}'::jsonb
           FROM generate_series(1, 600) AS n`,
      );
      const [first]: Array<{ id: string }> = await runner.query(
        `SELECT id FROM calls WHERE ctid = '(0,1)'::tid`,
      );
      // What the worker does per event: new merge versions and last event time, no indexed column.
      for (let i = 0; i < 5; i += 1) {
        await runner.query(
          `UPDATE calls SET last_event_at = now(), field_versions = $2, updated_at = now() WHERE id = $1`,
          [first.id, JSON.stringify({ status: [2, i, 'k'] })],
        );
      }
      const [{ hot }]: Array<{ hot: string }> = await runner.query(
        `SELECT pg_stat_get_xact_tuples_hot_updated('calls'::regclass) AS hot`,
      );
      expect(Number(hot)).toBe(5);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('matches the entities exactly (schema sync would change nothing)', async () => {
    const sql = await db.dataSource.driver.createSchemaBuilder().log();
    expect(sql.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('applies each migration once', async () => {
    await runMigrations(db.config);
    const applied: Array<{ name: string }> = await db.dataSource.query(
      'SELECT name FROM migrations',
    );
    const known = db.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    expect(known[0]).toBe('InitialSchema1763900000000');
    expect(applied.map((m) => m.name).sort()).toEqual([...known].sort());
  });

  it('rejects values outside the enum-like columns', async () => {
    await db.dataSource.query(`INSERT INTO calls (id) VALUES ('c1')`);
    await expect(
      db.dataSource.query(
        `INSERT INTO recordings (call_id, kind, source_url, state) VALUES ('c1', 'mono', 'u', 'lost')`,
      ),
    ).rejects.toThrow(/ck_recordings_state/);
  });
});

describe(ensureDatabase.name, () => {
  it('creates a missing database once, even when raced', async () => {
    const config = testConfig();
    try {
      await Promise.all([1, 2, 3, 4, 5].map(() => ensureDatabase(config.database.url)));
      const dataSource = await new DataSource(buildDataSourceOptions(config)).initialize();
      const [{ now }]: Array<{ now: Date }> = await dataSource.query('SELECT now() AS now');
      expect(now).toBeInstanceOf(Date);
      await dataSource.destroy();
      await ensureDatabase(config.database.url);
    } finally {
      await dropDatabase(config.database.url);
    }
  });
});
