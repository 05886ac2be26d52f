import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { APP_CONFIG, AppConfig } from '@app/config';
import { QueueProbe, queueBackend } from '@app/queue';

/**
 * Terminus indicator for the queue store, whichever backend it is: Redis answers PING on a
 * connection of its own (key `redis`), PostgreSQL shows its queue schema (key `queue`), within a
 * second.
 */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private readonly probe: QueueProbe;
  /** The readiness detail's name, from the backend. */
  readonly key: string;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const backend = queueBackend(config);
    this.key = backend.healthKey;
    this.probe = backend.probe(1000);
  }

  async pingCheck<Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    try {
      await this.probe.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  onModuleDestroy(): void {
    this.probe.close();
  }
}
