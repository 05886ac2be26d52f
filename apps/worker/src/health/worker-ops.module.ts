import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { AppConfig } from '@app/config';
import {
  JobMetrics,
  LoggingOptions,
  MetricsRegistry,
  ensureDefaultMetrics,
  loggerModule,
} from '@app/observability';
import { JobMetricsListener } from './job-metrics.listener';
import { WorkerHealthServer } from './worker-health.server';
import { WorkerShutdownService } from './worker-shutdown.service';

/**
 * Operations of the worker: JSON logs (nestjs-pino, usable without HTTP), job metrics fed from
 * worker events, and the health/metrics HTTP server. Global so services can inject `JobMetrics`.
 * The app must be created with `bufferLogs: true`, then `app.useLogger(app.get(Logger))`
 * (`Logger` from nestjs-pino).
 */
@Global()
@Module({})
export class WorkerOpsModule {
  // One module object per config: a test may build it first with its own log destination, and
  // the app's own `forRoot(config)` then reuses that module instead of adding a second one.
  private static readonly built = new WeakMap<AppConfig, DynamicModule>();

  static forRoot(config: AppConfig, logging: LoggingOptions = {}): DynamicModule {
    const existing = WorkerOpsModule.built.get(config);
    if (existing !== undefined) return existing;
    const module: DynamicModule = {
      module: WorkerOpsModule,
      imports: [loggerModule(config, 'worker', logging), DiscoveryModule],
      providers: [
        {
          provide: MetricsRegistry,
          useFactory: (): MetricsRegistry => {
            ensureDefaultMetrics();
            return new MetricsRegistry();
          },
        },
        {
          provide: JobMetrics,
          inject: [MetricsRegistry],
          useFactory: (registry: MetricsRegistry) => new JobMetrics(registry),
        },
        JobMetricsListener,
        WorkerHealthServer,
        WorkerShutdownService,
      ],
      exports: [JobMetrics, MetricsRegistry, WorkerHealthServer],
    };
    WorkerOpsModule.built.set(config, module);
    return module;
  }
}
