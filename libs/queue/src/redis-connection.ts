import { RedisConnection, createIORedisClient } from 'bullmq';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import IORedis, { Cluster } from 'ioredis';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { AppConfig } from '@app/config';

export type RedisSettings = AppConfig['redis'];

/** What a role (producer, worker, probe) sets on its connections; the topology sets the rest. */
export type RedisTuning = Pick<
  RedisOptions,
  | 'maxRetriesPerRequest'
  | 'connectTimeout'
  | 'enableAutoPipelining'
  | 'enableOfflineQueue'
  | 'lazyConnect'
  | 'retryStrategy'
>;

/**
 * Cluster seed nodes travel inside BullMQ's connection options under this key, so the client
 * factory below can build a `Cluster` where BullMQ would build a plain client. A symbol: it can
 * never collide with an ioredis option.
 */
const CLUSTER = Symbol('vapi-hooks.redis-cluster');

type TopologyOptions = RedisOptions & { url?: string; [CLUSTER]?: ClusterSeed };
interface ClusterSeed {
  nodes: { host: string; port: number }[];
  /** TLS needs the seed host names kept, not the IPs the cluster announces. */
  tls: boolean;
}

/**
 * The ioredis options of `REDIS_URL` (host, port, user, password, database, TLS) plus, with
 * Sentinel, the sentinels and master name. Built from the URL ourselves so a Cluster (which
 * takes no URL) gets the same credentials and TLS.
 */
function connectionOptions(redis: RedisSettings): RedisOptions {
  const url = new URL(redis.url);
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(url.port || 6379),
  };
  if (url.username) options.username = decodeURIComponent(url.username);
  if (url.password) options.password = decodeURIComponent(url.password);
  const db = Number(url.pathname.slice(1) || 0);
  if (db > 0 && redis.topology.kind !== 'cluster') options.db = db;
  if (redis.tls !== undefined) {
    options.tls = { rejectUnauthorized: redis.tls.rejectUnauthorized };
    if (redis.tls.ca !== undefined) options.tls.ca = redis.tls.ca;
  }
  if (redis.topology.kind === 'sentinel') {
    options.sentinels = redis.topology.sentinels;
    options.name = redis.topology.name;
    if (redis.topology.sentinelPassword !== undefined) {
      options.sentinelPassword = redis.topology.sentinelPassword;
    }
    if (options.tls !== undefined) {
      // rediss:// means TLS on every hop: to the sentinels and to the master they name.
      options.enableTLSForSentinelMode = true;
      options.sentinelTLS = options.tls;
    }
  }
  return options;
}

/**
 * BullMQ `connection` options for `config.redis`, tuned for one role. Standalone and Sentinel
 * are plain ioredis options; a Cluster is carried along for the client factory (installed
 * here), so BullMQ still creates, owns and closes every connection itself.
 */
export function bullConnection(redis: RedisSettings, tuning: RedisTuning): BullRedisOptions {
  installRedisClientFactory();
  const options: TopologyOptions = { ...connectionOptions(redis), ...tuning };
  if (redis.topology.kind === 'cluster') {
    options[CLUSTER] = { nodes: redis.topology.nodes, tls: redis.tls !== undefined };
  }
  return options as BullRedisOptions;
}

/**
 * A client of its own for `config.redis` (a `Cluster` on a cluster): health probes, tools and
 * tests use it; the caller closes it.
 */
export function createRedisClient(
  redis: RedisSettings,
  tuning: RedisTuning = {},
): IORedis | Cluster {
  return buildClient(bullConnection(redis, tuning));
}

function buildClient(options: TopologyOptions): IORedis | Cluster {
  const { [CLUSTER]: seed, url, ...rest } = options;
  if (seed === undefined) return url === undefined ? new IORedis(rest) : new IORedis(url, rest);
  return new Cluster(seed.nodes, clusterOptions(rest, seed));
}

/**
 * Maps per-connection options onto ioredis Cluster options: retries and the offline queue are
 * the cluster's, everything else applies to each node connection.
 */
function clusterOptions(options: RedisOptions, seed: ClusterSeed): ClusterOptions {
  const {
    host: _host,
    port: _port,
    db: _db,
    retryStrategy,
    enableOfflineQueue,
    enableAutoPipelining,
    lazyConnect,
    sentinels: _sentinels,
    ...nodeOptions
  } = options;
  const cluster: ClusterOptions = {
    redisOptions: nodeOptions,
    enableAutoPipelining,
    lazyConnect,
    clusterRetryStrategy: retryStrategy ? (times: number) => retryStrategy(times) : undefined,
  };
  if (enableOfflineQueue !== undefined) cluster.enableOfflineQueue = enableOfflineQueue;
  // Certificates name hosts, while a cluster announces node IPs: keep the names (as AWS and
  // other managed clusters document).
  if (seed.tls) cluster.dnsLookup = (address, callback) => callback(null, address);
  return cluster;
}

let installed = false;

/**
 * Lets BullMQ create Cluster clients from connection options (its own `clientFactory` switch);
 * options without a cluster are built exactly as BullMQ would. Process-wide and idempotent.
 */
export function installRedisClientFactory(): void {
  if (installed) return;
  installed = true;
  RedisConnection.clientFactory = (options) =>
    createIORedisClient(buildClient(options as TopologyOptions));
}

/** A one-line description of where Redis is, without secrets (for logs). */
export function describeRedis(redis: RedisSettings): string {
  const scheme = redis.tls === undefined ? 'redis' : 'rediss';
  switch (redis.topology.kind) {
    case 'cluster':
      return `${scheme} cluster ${redis.topology.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
    case 'sentinel':
      return `${scheme} sentinel master "${redis.topology.name}" via ${redis.topology.sentinels
        .map((n) => `${n.host}:${n.port}`)
        .join(',')}`;
    default: {
      const url = new URL(redis.url);
      return `${scheme}://${url.host}`;
    }
  }
}
