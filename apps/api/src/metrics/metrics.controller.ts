import { Controller, Get, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { METRICS_CONTENT_TYPE, MetricsRegistry, renderMetrics } from '@app/observability';

/**
 * GET /metrics: Node's default metrics plus this app's own registry (the stock controller only
 * serves prom-client's global registry). The path comes from `PrometheusModule.register`.
 */
@Controller()
export class MetricsController extends PrometheusController {
  constructor(private readonly registry: MetricsRegistry) {
    super();
  }

  @Get()
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    void response.header('Content-Type', METRICS_CONTENT_TYPE);
    return renderMetrics(this.registry);
  }
}
