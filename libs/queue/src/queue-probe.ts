import type { Cluster, Redis } from 'ioredis';
import type { RedisSettings } from './redis-connection';
import { createRedisClient } from './redis-connection';
import { DataSource } from 'typeorm';

/** A readiness check of the queue store, for the api's and the worker's health endpoints. */
export interface QueueProbe {
  /** Resolves when the store answers within the timeout; rejects with the reason otherwise. */
  ping(): Promise<void>;
  close(): void;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Redis: a connection of its own, so a probe never queues behind (or disturbs) job traffic, and
 * fails fast (one retry per command, bounded connect).
 */
export class RedisQueueProbe implements QueueProbe {
  private readonly client: Redis | Cluster;

  constructor(
    redis: RedisSettings,
    private readonly timeoutMs: number,
  ) {
    // The same connection factory as the queues: TLS, Sentinel or Cluster alike.
    this.client = createRedisClient(redis, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: timeoutMs,
      // Capped spacing, so a recovered Redis is seen within seconds.
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Failures are reported by `ping`; without a listener ioredis prints each one to stderr.
    this.client.on('error', () => undefined);
  }

  async ping(): Promise<void> {
    await withTimeout(this.client.ping(), this.timeoutMs, 'Redis PING');
  }

  close(): void {
    this.client.disconnect();
  }
}

/**
 * PostgreSQL: a one-connection pool of its own on the queue database, for the same reason as
 * Redis's; it checks that the queue schema is there (BullMQ creates it with the first queue).
 */
export class PostgresQueueProbe implements QueueProbe {
  private readonly dataSource: DataSource;
  private connecting?: Promise<DataSource>;

  constructor(
    url: string,
    private readonly schema: string,
    private readonly timeoutMs: number,
  ) {
    this.dataSource = new DataSource({
      type: 'postgres',
      url,
      extra: { max: 1, connectionTimeoutMillis: timeoutMs },
    });
  }

  async ping(): Promise<void> {
    const rows = await withTimeout(this.query(), this.timeoutMs, 'PostgreSQL queue store');
    if (!rows[0]?.found) throw new Error(`queue schema ${this.schema} not found`);
  }

  private async query(): Promise<{ found: boolean }[]> {
    // Connects on the first probe; a failed connect is retried by the next one.
    if (!this.dataSource.isInitialized) {
      this.connecting ??= this.dataSource.initialize().finally(() => (this.connecting = undefined));
      await this.connecting;
    }
    return this.dataSource.query<{ found: boolean }[]>(
      'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found',
      [this.schema],
    );
  }

  close(): void {
    const connected = this.connecting ?? Promise.resolve(this.dataSource);
    void connected
      .then((ds) => (ds.isInitialized ? ds.destroy() : undefined))
      .catch(() => undefined);
  }
}
