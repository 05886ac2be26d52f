import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { OutboxRepository } from '@app/database';
import { withTimeout } from '@app/observability';

/**
 * Terminus indicator: how many accepted events wait in the Postgres outbox for the queue. A
 * backlog is a detail, not a failure (intake still accepts events); down only when it cannot
 * be read.
 */
@Injectable()
export class OutboxHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly outbox: OutboxRepository,
  ) {}

  async depthCheck<Key extends string>(key: Key): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.health.check(key);
    try {
      return indicator.up({ depth: await withTimeout(this.outbox.depth(), 1000, 'outbox depth') });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
