import { getQueueToken } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import type { Queue } from 'bullmq';
import {
  MetricsRegistry,
  WebhookMetrics,
  ensureDefaultMetrics,
  registerQueueMetrics,
} from '@app/observability';
import { QueueModule, QueueName } from '@app/queue';
import { IntakeMetricsService } from './intake-metrics.service';
import { MetricsController } from './metrics.controller';

const QUEUES = Object.values(QueueName);

/** Marker for the provider that registers the queue gauges. */
const QUEUE_GAUGES = Symbol('QUEUE_GAUGES');

/**
 * Prometheus metrics of the api at GET /metrics (outside the `api` prefix): default Node
 * metrics, webhook intake counters and latency, and per-queue gauges read at scrape time.
 * Global so the webhook controller and guard can inject `IntakeMetricsService`.
 */
@Global()
@Module({
  imports: [
    QueueModule.forProducer(),
    // Default metrics are collected once per process by `ensureDefaultMetrics` instead: the
    // module would register them again for every app instance, which prom-client rejects.
    PrometheusModule.register({
      controller: MetricsController,
      defaultMetrics: { enabled: false },
    }),
  ],
  providers: [
    {
      provide: MetricsRegistry,
      useFactory: (): MetricsRegistry => {
        ensureDefaultMetrics();
        return new MetricsRegistry();
      },
    },
    {
      provide: WebhookMetrics,
      inject: [MetricsRegistry],
      useFactory: (registry: MetricsRegistry) => new WebhookMetrics(registry),
    },
    {
      provide: QUEUE_GAUGES,
      inject: [MetricsRegistry, ...QUEUES.map((name) => getQueueToken(name))],
      useFactory: (registry: MetricsRegistry, ...queues: Queue[]): true => {
        registerQueueMetrics(registry, queues);
        return true;
      },
    },
    IntakeMetricsService,
  ],
  exports: [MetricsRegistry, IntakeMetricsService],
})
export class MetricsModule {}
