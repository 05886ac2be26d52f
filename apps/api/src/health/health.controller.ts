import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { OutboxHealthIndicator } from './outbox.health';
import { PostgresHealthIndicator } from './postgres.health';
import { RedisHealthIndicator } from './redis.health';

/** Probes (outside the `api` prefix): liveness never touches a dependency, readiness does. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: PostgresHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly outbox: OutboxHealthIndicator,
  ) {}

  /** 200 while the process serves HTTP; a restart is the only cure when this fails. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * 200 when Postgres and Redis both answer within a second, 503 otherwise; `outbox.depth` is
   * how many accepted events wait for the queue.
   */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.postgres.pingCheck('postgres'),
      () => this.redis.pingCheck(this.redis.key),
      () => this.outbox.depthCheck('outbox'),
    ]);
  }
}
