import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { LoggingOptions } from '@app/observability';
import { createApiApp } from '../../apps/api/src/app.factory';
import { testConfig } from './config';
import { TestDatabase, createTestDatabase } from './database';
import { deleteQueueKeys } from './redis';

/** A running api (not listening unless `listen` is called) over its own database and prefix. */
export interface OpsApi {
  config: AppConfig;
  app: NestFastifyApplication;
  db: TestDatabase;
}

/** Creates a migrated database, then the api on it, initialised, connected, ready for `inject`. */
export async function startOpsApi(
  env: Record<string, string> = {},
  logging: LoggingOptions = {},
): Promise<OpsApi> {
  const db = await createTestDatabase(testConfig(env));
  const app = await createApiApp(db.config, logging);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const h = { config: db.config, app, db };
  await waitForDatabase(h);
  return h;
}

/**
 * Waits until the api's background Postgres connection is up (it boots without waiting for it),
 * so readiness reflects only what a test changes.
 */
export async function waitForDatabase(h: OpsApi, timeoutMs = 10_000): Promise<void> {
  const dataSource = h.app.get(DataSource);
  const deadline = Date.now() + timeoutMs;
  while (!dataSource.isInitialized) {
    if (Date.now() > deadline) throw new Error('the api never connected to Postgres');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Closes the api, drops its database and deletes its queue keys. */
export async function stopOpsApi(h: OpsApi | undefined): Promise<void> {
  if (h === undefined) return;
  await h.app.close();
  await h.db.drop();
  await deleteQueueKeys(h.config.redis.url, h.config.redis.prefix).catch(() => undefined);
}

/** An `Authorization: Basic` header value. */
export const basicAuth = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
