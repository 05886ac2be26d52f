import {
  BackendFactory,
  ConnectionOptions,
  DefaultJobOptions,
  PostgresConnectionOptions,
  Queue,
  QueueBaseOptions,
  createPostgresBackend,
  createRedisBackend,
} from 'bullmq';
import type { AppConfig } from '@app/config';
import { PostgresQueueProbe, QueueProbe, RedisQueueProbe } from './queue-probe';
import { producerConnection, workerConnection } from './queue.options';
import { describeRedis } from './redis-connection';

/**
 * Who opens a queue connection: `producer` (the api and CLI: an enqueue fails fast while the
 * store is down, so the request can be answered) or `worker` (waits and reconnects forever, as
 * BullMQ workers require).
 */
export type QueueRole = 'producer' | 'worker';

/**
 * The queue store: the one place that knows whether BullMQ runs on Redis or on PostgreSQL.
 * Everything else (processors, Bull Board, health, metrics, replay, shutdown) uses BullMQ's
 * `Queue`/`Worker` API, which is the same on both.
 */
export interface QueueBackend {
  readonly kind: AppConfig['queue']['backend'];
  /** Builds BullMQ's backend of each Queue/Worker/QueueEvents. */
  readonly factory: BackendFactory;
  /** `connection` (and, for Redis, the key `prefix`) of a Queue or Worker. */
  options(role: QueueRole): Pick<QueueBaseOptions, 'connection'> & { prefix?: string };
  /** The readiness detail's key (`redis` stays `redis` so existing probes keep their meaning). */
  readonly healthKey: string;
  /**
   * Whether an app waits for its queues at boot. PostgreSQL: yes, so the schema migration and
   * first connects are not paid by the first webhook (within its enqueue timeout). Redis: no,
   * the api must come up while Redis is down.
   */
  readonly readyAtBoot: boolean;
  /** A readiness check of the store, on a connection of its own. */
  probe(timeoutMs: number): QueueProbe;
  /** One line for logs: where the jobs are, never a password. */
  describe(): string;
}

/** The PostgreSQL schema that holds the queue tables, beside the app's own tables. */
export const QUEUE_SCHEMA = 'bullmq';

/**
 * The backend chosen by `QUEUE_BACKEND`. The api's Redis options make a command fail after one
 * retry and a connect after 2 s, so an enqueue can be answered with 503 instead of hanging.
 */
export function queueBackend(config: AppConfig): QueueBackend {
  return config.queue.backend === 'postgres' ? postgresBackend(config) : redisBackend(config);
}

function redisBackend(config: AppConfig): QueueBackend {
  const { prefix } = config.redis;
  return {
    kind: 'redis',
    factory: createRedisBackend,
    healthKey: 'redis',
    readyAtBoot: false,
    probe: (timeoutMs) => new RedisQueueProbe(config.redis, timeoutMs),
    options: (role) => ({
      connection: role === 'producer' ? producerConnection(config) : workerConnection(config),
      prefix,
    }),
    describe: () => `${describeRedis(config.redis)} (key prefix ${prefix})`,
  };
}

/**
 * Pool size of one queue's or worker's connection. Every Queue and Worker owns a pool (plus a
 * LISTEN connection) and opens connections only as it needs them, so only the busy queues
 * (call-events) grow theirs: an api and a worker stay under PostgreSQL's default
 * `max_connections` of 100. Below 10, 16 concurrent jobs wait for slots (measured: a third less
 * throughput with 5).
 */
const POSTGRES_POOL_MAX = 10;

function postgresBackend(config: AppConfig): QueueBackend {
  const { url } = config.database;
  return {
    kind: 'postgres',
    factory: createPostgresBackend as unknown as BackendFactory,
    healthKey: 'queue',
    readyAtBoot: true,
    probe: (timeoutMs) => new PostgresQueueProbe(url, QUEUE_SCHEMA, timeoutMs),
    options: () => ({ connection: postgresConnection(url) as ConnectionOptions }),
    describe: () => `PostgreSQL at ${withoutPassword(url)} (schema ${QUEUE_SCHEMA})`,
  };
}

/**
 * The same for both roles: a producer's wait (for a slot or a connect) is bounded by the
 * intake's enqueue timeout, and workers wait as long as it takes.
 */
function postgresConnection(url: string): PostgresConnectionOptions {
  return {
    connectionString: url,
    schema: QUEUE_SCHEMA,
    // Without it the first Queue fails with SchemaMigrationRequiredError; concurrent processes
    // are safe (BullMQ migrates under an advisory lock).
    migrate: true,
    max: POSTGRES_POOL_MAX,
  };
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid URL)';
  }
}

/**
 * A queue handle outside Nest (CLI, tests, bench), on the configured backend; the caller
 * closes it.
 */
export function openQueue(
  name: string,
  config: AppConfig,
  role: QueueRole = 'worker',
  defaultJobOptions?: DefaultJobOptions,
): Queue {
  const backend = queueBackend(config);
  const queue = new Queue(name, { ...backend.options(role), defaultJobOptions }, backend.factory);
  // Typed like the queues Nest injects: callers use only the backend-neutral API.
  return queue as unknown as Queue;
}
