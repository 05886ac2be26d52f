import { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import { buildDataSourceOptions } from './data-source-options';

/** Postgres SQLSTATEs that mean "someone else created it first". */
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

/** The database name in a Postgres URL, and the same URL pointed at the `postgres` maintenance db. */
export function splitDatabaseUrl(url: string): { name: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (name === '') throw new Error('DATABASE_URL must name a database');
  parsed.pathname = '/postgres';
  return { name, maintenanceUrl: parsed.toString() };
}

/** Double-quotes an identifier for SQL. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Runs `work` on a single connection (through `pg`) to the `postgres` maintenance database. */
export async function withMaintenanceConnection<T>(
  url: string,
  work: (connection: DataSource, databaseName: string) => Promise<T>,
): Promise<T> {
  const { name, maintenanceUrl } = splitDatabaseUrl(url);
  const connection = new DataSource({ type: 'postgres', url: maintenanceUrl, extra: { max: 1 } });
  await connection.initialize();
  try {
    return await work(connection, name);
  } finally {
    await connection.destroy();
  }
}

/**
 * Creates the database named in `url` if it does not exist. Safe to run concurrently: losing
 * the race to another process (duplicate_database, or the catalog's unique violation) is fine.
 */
export async function ensureDatabase(url: string): Promise<void> {
  await withMaintenanceConnection(url, async (connection, name) => {
    const found: unknown[] = await connection.query(
      'SELECT 1 FROM pg_database WHERE datname = $1',
      [name],
    );
    if (found.length > 0) return;
    try {
      await connection.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
    }
  });
}

/** Creates the database if missing and applies pending migrations, each in its own transaction. */
export async function runMigrations(config: AppConfig): Promise<void> {
  await ensureDatabase(config.database.url);
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}
