import Redis from 'ioredis';
import { withTimeout } from '../with-timeout';

/**
 * A dedicated Redis connection for health checks, separate from BullMQ's so a probe never queues
 * behind (or disturbs) job traffic. Fails fast: one retry per command and a bounded wait.
 */
export class RedisProbe {
  private readonly client: Redis;

  constructor(
    url: string,
    private readonly timeoutMs = 1000,
  ) {
    this.client = new Redis(url, {
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
