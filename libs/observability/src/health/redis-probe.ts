import Redis, { Cluster, RedisOptions } from 'ioredis';
import { withTimeout } from '../with-timeout';

/** Builds the probe's client for the deployment's Redis topology, with the probe's options. */
export type RedisClientFactory = (
  options: Pick<
    RedisOptions,
    'lazyConnect' | 'maxRetriesPerRequest' | 'connectTimeout' | 'retryStrategy'
  >,
) => Redis | Cluster;

/**
 * A dedicated Redis connection for health checks, separate from BullMQ's so a probe never queues
 * behind (or disturbs) job traffic. Fails fast: one retry per command and a bounded wait.
 */
export class RedisProbe {
  private readonly client: Redis | Cluster;

  /** `target`: a URL, or a factory (Sentinel, Cluster and TLS need more than a URL). */
  constructor(
    target: string | RedisClientFactory,
    private readonly timeoutMs = 1000,
  ) {
    const connect: RedisClientFactory =
      typeof target === 'string' ? (options) => new Redis(target, options) : target;
    this.client = connect({
      // Connects on the first PING, so constructing a probe costs nothing.
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: timeoutMs,
      // Reconnect attempts are capped in spacing so a recovered Redis is seen within seconds.
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Failures are reported by `ping`; without a listener ioredis prints each one to stderr.
    this.client.on('error', () => undefined);
  }

  /** Resolves when Redis answers PING within the timeout; rejects with the reason otherwise. */
  async ping(): Promise<void> {
    await withTimeout(this.client.ping(), this.timeoutMs, 'Redis PING');
  }

  /** Closes the connection (and stops reconnecting). */
  close(): void {
    this.client.disconnect();
  }
}
