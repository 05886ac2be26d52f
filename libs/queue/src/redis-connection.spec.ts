import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import Redis from 'ioredis';
import { ConfigError, loadConfig } from '@app/config';
import { bullConnection, createRedisClient, describeRedis } from './redis-connection';

describe(bullConnection.name, () => {
  it('takes host, port, user, password and database from REDIS_URL', () => {
    const { redis } = loadConfig({ REDIS_URL: 'redis://app:p%40ss@redis.internal:6380/2' });
    expect(bullConnection(redis, { maxRetriesPerRequest: 1 })).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      username: 'app',
      password: 'p@ss',
      db: 2,
      maxRetriesPerRequest: 1,
    });
    expect(bullConnection(redis, {})).not.toHaveProperty('tls');
  });

  it('turns rediss:// into TLS, trusting REDIS_TLS_CA_FILE when given', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vapi-hooks-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'PEM');
      const { redis } = loadConfig({
        REDIS_URL: 'rediss://redis.internal',
        REDIS_TLS_CA_FILE: join(dir, 'ca.pem'),
      });
      expect(bullConnection(redis, {}).tls).toEqual({
        rejectUnauthorized: true,
        ca: Buffer.from('PEM'),
      });
      const insecure = loadConfig({ REDIS_URL: 'rediss://x', REDIS_TLS_INSECURE: 'true' }).redis;
      expect(bullConnection(insecure, {}).tls).toEqual({ rejectUnauthorized: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks the sentinels for the master, over TLS too with rediss://', () => {
    const { redis } = loadConfig({
      REDIS_URL: 'rediss://:secret@ignored:1/1',
      REDIS_SENTINELS: 's1:26379, [::1]:26380',
      REDIS_SENTINEL_NAME: 'main',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
    });
    expect(bullConnection(redis, {})).toMatchObject({
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'main',
      password: 'secret',
      sentinelPassword: 'sentinel-secret',
      db: 1,
      enableTLSForSentinelMode: true,
      sentinelTLS: { rejectUnauthorized: true },
    });
    expect(describeRedis(redis)).toBe('rediss sentinel master "main" via s1:26379,::1:26380');
  });

  it('builds an ioredis Cluster from REDIS_CLUSTER_NODES, a plain client otherwise', () => {
    const cluster = loadConfig({
      REDIS_URL: 'redis://:pw@unused',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001',
    }).redis;
    const client = createRedisClient(cluster, { lazyConnect: true });
    try {
      expect(client).toBeInstanceOf(Cluster);
      expect((client as Cluster).options.redisOptions).toMatchObject({ password: 'pw' });
    } finally {
      client.disconnect();
    }
    const plain = createRedisClient(loadConfig({}).redis, { lazyConnect: true });
    try {
      expect(plain).toBeInstanceOf(Redis);
      expect(plain).not.toBeInstanceOf(Cluster);
    } finally {
      plain.disconnect();
    }
  });

  it('refuses Sentinel and Cluster together, and a CA file without rediss://', () => {
    expect(() => loadConfig({ REDIS_SENTINELS: 'a:1', REDIS_CLUSTER_NODES: 'b:2' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ REDIS_TLS_CA_FILE: '/tmp/ca.pem' })).toThrow(/rediss:\/\//);
    expect(() =>
      loadConfig({ REDIS_URL: 'rediss://x', REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' }),
    ).toThrow(/REDIS_TLS_CA_FILE/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: 'no-port' })).toThrow(/REDIS_CLUSTER_NODES/);
  });

  it('accepts a hash-tagged QUEUE_PREFIX (the default) and a plain one', () => {
    expect(loadConfig({}).redis.prefix).toBe('{vapi-hooks}');
    expect(loadConfig({ QUEUE_PREFIX: 'legacy' }).redis.prefix).toBe('legacy');
    expect(() => loadConfig({ QUEUE_PREFIX: '{a}{b}' })).toThrow(/QUEUE_PREFIX/);
  });
});
