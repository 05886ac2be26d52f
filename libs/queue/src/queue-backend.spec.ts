import { loadConfig } from '@app/config';
import { QUEUE_SCHEMA, queueBackend } from './queue-backend';

describe('queueBackend', () => {
  it('defaults to PostgreSQL without REDIS_URL, with the queues in their own schema', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app:s3cret@db:5432/calls' });
    const backend = queueBackend(config);
    expect(backend.kind).toBe('postgres');
    expect(backend.healthKey).toBe('queue');
    expect(backend.readyAtBoot).toBe(true);
    const options = backend.options('producer');
    expect(options.prefix).toBeUndefined();
    expect(options.connection).toMatchObject({
      connectionString: 'postgres://app:s3cret@db:5432/calls',
      schema: QUEUE_SCHEMA,
      migrate: true,
    });
    expect(backend.describe()).not.toContain('s3cret');
  });

  it('defaults to Redis when REDIS_URL is set: key prefix, fail-fast producer, patient worker', () => {
    const config = loadConfig({ REDIS_URL: 'redis://:pw@cache:6379', QUEUE_PREFIX: 'p1' });
    const backend = queueBackend(config);
    expect(backend.kind).toBe('redis');
    expect(backend.healthKey).toBe('redis');
    expect(backend.readyAtBoot).toBe(false);
    expect(backend.options('producer')).toMatchObject({
      prefix: 'p1',
      connection: { host: 'cache', port: 6379, password: 'pw', maxRetriesPerRequest: 1 },
    });
    expect(backend.options('worker').connection).toMatchObject({ maxRetriesPerRequest: null });
    expect(backend.describe()).not.toContain(':pw@');
  });

  it('follows QUEUE_BACKEND over the default', () => {
    expect(
      queueBackend(loadConfig({ REDIS_URL: 'redis://r:6379', QUEUE_BACKEND: 'postgres' })).kind,
    ).toBe('postgres');
    expect(queueBackend(loadConfig({ QUEUE_BACKEND: 'redis' })).kind).toBe('redis');
    expect(() => loadConfig({ QUEUE_BACKEND: 'kafka' })).toThrow(/QUEUE_BACKEND/);
  });

  it('marks the embedded default only when neither DATABASE_URL nor REDIS_URL is set', () => {
    expect(loadConfig({}).embedded).toEqual({ enabled: true, dataDir: './data' });
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db' }).embedded.enabled).toBe(false);
    expect(loadConfig({ REDIS_URL: 'redis://h:6379' }).embedded.enabled).toBe(false);
    expect(loadConfig({ DATA_DIR: '/var/lib/vh' }).embedded.dataDir).toBe('/var/lib/vh');
  });
});
