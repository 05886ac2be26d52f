import { DataSource } from 'typeorm';
import { buildDataSourceOptions, ensureDatabase, runMigrations } from '@app/database';
import { InitialSchema1763900000000 } from '@app/database/migrations/1763900000000-InitialSchema';
import { CallChanges1764600000000 } from '@app/database/migrations/1764600000000-CallChanges';
import { Tenants1764608000000 } from '@app/database/migrations/1764608000000-Tenants';
import { testConfig } from '../helpers/config';
import { dropDatabase } from '../helpers/database';

/** The schema of the release before calls carried their tenant. */
const RELEASE_MIGRATIONS = [
  InitialSchema1763900000000,
  CallChanges1764600000000,
  Tenants1764608000000,
];
const TABLES = ['calls', 'call_events', 'transcript_segments', 'recordings', 'call_changes'];

/** Rows as the previous release's worker writes them: bare VAPI ids everywhere. */
async function fillAsTheReleaseDid(db: DataSource): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    const id = `call-${i}`;
    await db.query(
      `INSERT INTO calls (id, status, status_rank, outcome, assistant_id, created_at_vapi, summary, field_versions)
       VALUES ($1, 'ended', 5, 'completed', 'asst-1', now() - ($2 || ' minutes')::interval, $3, '{"status":[3,1,"a"]}')`,
      [id, String(i), `summary ${i}`],
    );
    await db.query(
      `INSERT INTO call_events (call_id, dedup_key, kind, message_type, occurred_at, received_at, payload)
       VALUES ($1, md5($1 || 'status'), 'status-update', 'status-update', now(), now(), '{"message":{"type":"status-update"}}'),
              ($1, md5($1 || 'report'), 'end-of-call-report', 'end-of-call-report', now(), now(), NULL)`,
      [id],
    );
    await db.query(
      `INSERT INTO transcript_segments (call_id, seq, role, text, source)
       VALUES ($1, 0, 'assistant', 'Hello', 'report'), ($1, 1, 'user', 'Hi', 'report')`,
      [id],
    );
    await db.query(
      `INSERT INTO recordings (call_id, kind, source_url, state) VALUES ($1, 'mono', 'http://127.0.0.1/r.wav', 'pending')`,
      [id],
    );
    await db.query(
      `INSERT INTO call_changes (call_id, kind, data) VALUES ($1, 'status', '{"status":"ended"}')`,
      [id],
    );
  }
  // Events that name no call (e.g. an assistant-request before the call exists).
  await db.query(
    `INSERT INTO call_events (call_id, dedup_key, kind, message_type, received_at)
     VALUES (NULL, md5('orphan'), 'other', 'assistant-request', now())`,
  );
}

/** Every row of every table, over the columns the release had, as one comparable text each. */
async function snapshot(
  db: DataSource,
  columns: Record<string, string[]>,
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const list = columns[table].map((c) => `"${c}"`).join(', ');
    const rows: Array<{ row: string }> = await db.query(
      `SELECT row_to_json(t)::text AS row FROM (SELECT ${list} FROM "${table}") t ORDER BY 1`,
    );
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

describe('CallTenants migration', () => {
  const config = testConfig();
  let db: DataSource;

  beforeAll(async () => {
    await ensureDatabase(config.database.url);
    const release = new DataSource({
      ...buildDataSourceOptions(config),
      migrations: RELEASE_MIGRATIONS,
    });
    await release.initialize();
    await release.runMigrations({ transaction: 'each' });
    await fillAsTheReleaseDid(release);
    await release.destroy();
    db = await new DataSource(buildDataSourceOptions(config)).initialize();
  });

  afterAll(async () => {
    if (db?.isInitialized) await db.destroy();
    await dropDatabase(config.database.url);
  });

  it('moves a single-tenant database into the default tenant without losing or changing a row', async () => {
    const columns: Record<string, string[]> = {};
    for (const table of TABLES) {
      const rows: Array<{ column_name: string }> = await db.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
        [table],
      );
      columns[table] = rows.map((r) => r.column_name);
    }
    const before = await snapshot(db, columns);
    expect(before.calls).toHaveLength(20);
    expect(before.call_events).toHaveLength(41);

    await runMigrations(config);

    expect(await snapshot(db, columns)).toEqual(before);
    for (const table of ['calls', 'call_events', 'recordings', 'call_changes']) {
      const tenants: Array<{ tenant_id: string; n: string }> = await db.query(
        `SELECT tenant_id, count(*) AS n FROM "${table}" GROUP BY tenant_id`,
      );
      expect(tenants.map((t) => t.tenant_id)).toEqual(['default']);
    }
    const [{ mismatched }]: Array<{ mismatched: string }> = await db.query(
      `SELECT count(*) AS mismatched FROM calls WHERE vapi_call_id <> id`,
    );
    expect(Number(mismatched)).toBe(0);
  });

  it('keeps the same VAPI call id under two tenants as two calls, and refuses an unknown tenant', async () => {
    await db.query(`INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`);
    await db.query(
      `INSERT INTO calls (id, status, outcome) VALUES ('acme/call-1', 'ringing', 'in-progress')`,
    );
    const rows: Array<{ id: string; tenant_id: string; status: string }> = await db.query(
      `SELECT id, tenant_id, status FROM calls WHERE vapi_call_id = 'call-1' ORDER BY tenant_id`,
    );
    expect(rows).toEqual([
      { id: 'acme/call-1', tenant_id: 'acme', status: 'ringing' },
      { id: 'call-1', tenant_id: 'default', status: 'ended' },
    ]);
    await expect(
      db.query(`INSERT INTO calls (id, outcome) VALUES ('ghost/call-1', 'in-progress')`),
    ).rejects.toThrow(/fk_calls_tenant/);
  });
});
