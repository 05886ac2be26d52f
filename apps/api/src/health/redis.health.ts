import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { APP_CONFIG, AppConfig } from '@app/config';
import { RedisProbe } from '@app/observability';
import { createRedisClient } from '@app/queue';

/** Terminus indicator: Redis answers PING within a second, on a connection of its own. */
@Injectable()
export class RedisHealthIndicator implements OnModuleDestroy {
  private readonly probe: RedisProbe;

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.probe = new RedisProbe((options) => createRedisClient(config.redis, options), 1000);
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
