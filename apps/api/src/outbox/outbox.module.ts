import { Module } from '@nestjs/common';
import { OutboxRepository } from '@app/database';
import { MetricsRegistry } from '@app/observability';
import { QueueModule } from '@app/queue';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRelayService } from './outbox-relay.service';
import { OutboxWriter } from './outbox.writer';

/**
 * "Redis down must not lose calls": the writer intake calls instead of enqueueing directly, and
 * the relay that empties the outbox into the queue. Needs the app's `DatabaseModule` and
 * `MetricsModule` (both global in the api).
 */
@Module({
  imports: [QueueModule.forProducer()],
  providers: [
    {
      provide: OutboxMetrics,
      inject: [MetricsRegistry, OutboxRepository],
      useFactory: (registry: MetricsRegistry, outbox: OutboxRepository) =>
        new OutboxMetrics(registry, () => outbox.depth()),
    },
    OutboxWriter,
    OutboxRelayService,
  ],
  exports: [OutboxWriter, OutboxRelayService],
})
export class OutboxModule {}
