import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { WebhookMetrics } from '@app/observability';

/** The webhook route as Fastify knows it: the default tenant's. */
export const WEBHOOK_ROUTE = '/api/webhook/vapi';
/** A named tenant's webhook route. */
export const TENANT_WEBHOOK_ROUTE = `${WEBHOOK_ROUTE}/:tenant`;

/**
 * Webhook intake metrics. One Fastify `onResponse` hook counts every request to the webhook
 * route by result (including those Fastify rejects before Nest: 413, 415) and times it from
 * arrival to reply; the controller and guard only tag what they learn. Synchronous and
 * allocation-light: it sits on the request path.
 */
@Injectable()
export class IntakeMetricsService {
  private readonly kinds = new WeakMap<object, string>();

  constructor(
    private readonly metrics: WebhookMetrics,
    host: HttpAdapterHost,
  ) {
    // Added while providers are created, before any Fastify plugin loads, so it sees every route.
    host.httpAdapter
      .getInstance<FastifyInstance>()
      .addHook('onResponse', (request, reply, done) => {
        const route = request.routeOptions.url;
        if (route === WEBHOOK_ROUTE || route === TENANT_WEBHOOK_ROUTE) {
          this.metrics.observeRequest(
            this.kinds.get(request),
            reply.statusCode,
            reply.elapsedTime / 1000,
          );
        }
        done();
      });
  }

  /** Records the message kind of a request once its body is normalised. */
  noteMessageKind(request: FastifyRequest, kind: string): void {
    this.kinds.set(request, kind);
  }

  /** Counts a request rejected by authentication; `mode` undefined means no credential at all. */
  countAuthFailure(mode: string | undefined): void {
    this.metrics.countAuthFailure(mode);
  }
}
