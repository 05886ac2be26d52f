import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { OutboxHealthIndicator } from './outbox.health';
import { PostgresHealthIndicator } from './postgres.health';
import { RedisHealthIndicator } from './redis.health';

/**
 * GET /health/live and GET /health/ready. Uses the app's TypeORM connection, so the app must
 * import `DatabaseModule.forRoot()` (ApiModule does, connecting in the background).
 */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [PostgresHealthIndicator, RedisHealthIndicator, OutboxHealthIndicator],
})
export class HealthModule {}
