import { DataSource } from 'typeorm';
import type { AppConfig } from '@app/config';
import {
  buildDataSourceOptions,
  quoteIdentifier,
  runMigrations,
  withMaintenanceConnection,
} from '@app/database';
import { testConfig } from './config';

/** A migrated database of one test suite, and how to get rid of it. */
export interface TestDatabase {
  config: AppConfig;
  dataSource: DataSource;
  /** Closes the connection and drops the database. Call in `afterAll`. */
  drop(): Promise<void>;
}

/**
 * Creates this suite's own database (`vapi_hooks_test_<pid>_<random>`, from `testConfig`),
 * applies the real migrations and connects to it.
 */
export async function createTestDatabase(config: AppConfig = testConfig()): Promise<TestDatabase> {
  await runMigrations(config);
  const dataSource = await new DataSource(buildDataSourceOptions(config)).initialize();
  return {
    config,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(config.database.url);
    },
  };
}

/** Drops a test database, disconnecting anyone still on it. */
export async function dropDatabase(url: string): Promise<void> {
  await withMaintenanceConnection(url, async (connection, name) => {
    if (!name.startsWith('vapi_hooks_test_')) throw new Error(`refusing to drop ${name}`);
    await connection.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  });
}

/** Empties every table (between tests of one suite). */
export async function truncateAll(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    'TRUNCATE TABLE call_changes, recordings, transcript_segments, call_events, calls RESTART IDENTITY',
  );
}
