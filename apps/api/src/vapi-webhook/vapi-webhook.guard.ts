import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IntakeMetricsService } from '../metrics/intake-metrics.service';
import { WebhookVerifier } from './webhook-verifier';

/**
 * Authenticates a webhook over the raw request bytes before anything parses them, so an
 * unauthenticated caller never costs us a JSON parse.
 */
@Injectable()
export class VapiWebhookGuard implements CanActivate {
  constructor(
    private readonly verifier: WebhookVerifier,
    private readonly metrics: IntakeMetricsService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest & { rawBody?: Buffer }>();
    const result = this.verifier.verify({
      rawBody: req.rawBody ?? Buffer.alloc(0),
      headers: req.headers,
      method: req.method,
      url: req.url,
    });
    if (!result.ok) {
      this.metrics.countAuthFailure(result.mode);
      throw new UnauthorizedException(result.reason);
    }
    return true;
  }
}
