import type { DataSource } from 'typeorm';
import { withTimeout } from '../with-timeout';

/** Resolves when Postgres answers `SELECT 1` through `dataSource` within the timeout. */
export async function pingPostgres(dataSource: DataSource, timeoutMs = 1000): Promise<void> {
  if (!dataSource.isInitialized) throw new Error('database connection is not initialised');
  await withTimeout(dataSource.query('SELECT 1'), timeoutMs, 'Postgres SELECT 1');
}
