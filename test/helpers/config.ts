import { randomBytes } from 'node:crypto';
import { AppConfig, loadConfig } from '@app/config';

/** A short random suffix so concurrent runs (and suites) never share Redis keys or databases. */
export const uniqueSuffix = (): string => `${process.pid}_${randomBytes(4).toString('hex')}`;

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/**
 * The queue backend the suites run on: unset means Redis (TEST_REDIS_URL); `QUEUE_BACKEND=postgres`
 * runs the same suites with the queues in each test database (CI runs the pipeline both ways).
 */
export const TEST_QUEUE_BACKEND = process.env.QUEUE_BACKEND === 'postgres' ? 'postgres' : 'redis';

export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

/**
 * Config for one test suite: its own queue prefix and database name, quiet logs, secrets only
 * when the suite sets them.
 */
export function testConfig(overrides: Record<string, string | undefined> = {}): AppConfig {
  const suffix = uniqueSuffix();
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    // Hash-tagged like the default, so suites isolate the same way on a Redis Cluster.
    QUEUE_PREFIX: `{test_${suffix}}`,
    DATABASE_URL: `${TEST_POSTGRES_URL}/vapi_hooks_test_${suffix}`,
    WORKER_HEALTH_PORT: '0',
    QUEUE_BACKEND: TEST_QUEUE_BACKEND,
    ...overrides,
  });
}
