import { Call, CallsRepository } from '@app/database';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

describe(CallsRepository.name, () => {
  let db: TestDatabase;
  let calls: CallsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    calls = new CallsRepository(db.dataSource);
  });

  afterAll(async () => {
    await db?.drop();
  });

  describe('lockByIds', () => {
    beforeAll(async () => {
      // Every column set (jsonb, numeric, timestamptz, smallint, boolean), another tenant's
      // key, and a bare row: hydration must match TypeORM's for each kind of value.
      await db.dataSource.query(`INSERT INTO tenants (id, name) VALUES ('tenant-b', 'B')`);
      await db.dataSource.query(
        `INSERT INTO calls (id, status, status_rank, type, assistant_id, phone_number_id,
           customer_number, created_at_vapi, started_at, ended_at, ended_reason, outcome, failed,
           duration_seconds, cost, cost_breakdown, costs, summary, structured_data,
           success_evaluation, transcript_text, transcript_stats, transcript_source,
           transcript_version, transcript_count, transcript_digest, recording_url,
           stereo_recording_url, field_versions, last_event_at)
         VALUES ('c-full', 'ended', 5, 'webPhoneCall', 'a1', 'p1', '+15550001111',
           '2026-01-01T00:00:00.123Z', '2026-01-01T00:00:01Z', '2026-01-01T00:01:00Z',
           'customer-ended-call', 'completed', true, 59.877, 0.123456,
           '{"llm": 0.1, "nested": {"x": [1, 2]}}', '[{"type": "llm", "cost": 0.1}]', 'Short.',
           '{"ok": true}', 'true', 'AI: hi', '{"turns": 1}', 'report', '[4, 1767225600000, "k"]',
           1, 'digest', 'https://example.test/a.wav', 'https://example.test/s.wav',
           '{"status": [3, 1, "k"]}', '2026-01-01T00:01:00Z'),
         ('tenant-b/c-full', DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT,
           DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT,
           DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT, DEFAULT,
           DEFAULT, DEFAULT, DEFAULT, DEFAULT)`,
      );
    });

    it('returns the rows TypeORM would, in id order', async () => {
      const ids = ['tenant-b/c-full', 'missing', 'c-full'];
      const locked = await db.dataSource.transaction((m) => calls.lockByIds(m, ids));
      const expected = await db.dataSource
        .getRepository(Call)
        .createQueryBuilder('c')
        .where('c.id = ANY(:ids)', { ids })
        .orderBy('c.id', 'ASC')
        .getMany();
      expect(locked.map((c) => c.id)).toEqual(['c-full', 'tenant-b/c-full']);
      expect(locked).toEqual(expected);
      expect(locked[0]).toBeInstanceOf(Call);
      expect(locked[1].tenantId).toBe('tenant-b');
    });

    it('holds the row locks until the transaction ends', async () => {
      const other = db.dataSource.createQueryRunner();
      try {
        await db.dataSource.transaction(async (m) => {
          await calls.lockByIds(m, ['c-full']);
          await expect(
            other.query(`SELECT id FROM calls WHERE id = 'c-full' FOR UPDATE NOWAIT`),
          ).rejects.toThrow(/could not obtain lock/);
        });
        await expect(
          other.query(`SELECT id FROM calls WHERE id = 'c-full' FOR UPDATE NOWAIT`),
        ).resolves.toHaveLength(1);
      } finally {
        await other.release();
      }
    });
  });
});
