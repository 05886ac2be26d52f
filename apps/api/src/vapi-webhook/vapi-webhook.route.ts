import { BadRequestException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { logRequestCompletion } from '@app/observability';
import { WebhookValidationError, identifyWebhook, type WebhookIdentity } from '@app/vapi';
import { IntakeMetricsService, WEBHOOK_ROUTE } from '../metrics/intake-metrics.service';
import { VapiResponderService } from './vapi-responder.service';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhookVerifier } from './webhook-verifier';

const EMPTY = Buffer.alloc(0);

/**
 * POST /api/webhook/vapi: verify on the raw bytes, parse once, validate and key once, answer
 * what VAPI waits on, enqueue. Nothing else belongs on this path; the workers do the rest.
 *
 * Served as a plain Fastify route (registered by `VapiWebhookModule`), not a Nest controller
 * method: on the bench, Nest's router, guard and interceptor machinery around a handler, plus
 * pino-http's per-request loggers, cost as much CPU as the intake's own work on a small body.
 * Everything here is still a Nest provider (verifier, intake, responder, metrics), and errors
 * are Nest exceptions, which Fastify hands to Nest's error handler and so to the app's
 * exception filter, answering exactly as any controller would.
 */
@Injectable()
export class VapiWebhookRoute {
  constructor(
    private readonly verifier: WebhookVerifier,
    private readonly intake: WebhookIntakeService,
    private readonly responder: VapiResponderService,
    private readonly metrics: IntakeMetricsService,
  ) {}

  register(fastify: FastifyInstance): void {
    fastify.route({
      method: 'POST',
      url: WEBHOOK_ROUTE,
      handler: (request) => this.receive(request),
      // Also for 413 and 415, which Fastify answers before the handler.
      onResponse: (request, reply, done) => {
        logRequestCompletion(request, reply);
        done();
      },
    });
  }

  async receive(request: FastifyRequest): Promise<Record<string, unknown>> {
    const receivedAt = new Date();
    // The app's JSON content-type parser hands the body over as the raw bytes.
    const raw = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    // Authenticated before anything parses the body: an unauthenticated caller never costs a parse.
    const verdict = this.verifier.verify({
      rawBody: raw,
      headers: request.headers,
      method: request.method,
      url: request.url,
    });
    if (!verdict.ok) {
      this.metrics.countAuthFailure(verdict.mode);
      throw new UnauthorizedException(verdict.reason);
    }
    const body = parseJson(raw);
    const identity = identify(body);
    this.metrics.noteMessageKind(request, identity.kind);
    if (!this.responder.expectsAnswer(identity)) {
      await this.intake.accept(identity, body, receivedAt);
      return {};
    }
    // VAPI is waiting on the answer (a caller may be on the line). Recording the message must
    // not cost the caller the answer, so an enqueue failure here is logged, not returned. The
    // stored copy is redacted apart from the body the answer is computed from.
    const [answer] = await Promise.all([
      this.responder.answer(identity, body),
      this.intake
        .accept(identity, structuredClone(body), receivedAt)
        .catch((error: unknown) => this.intake.reportLostRecord(identity, error, request.id)),
    ]);
    return answer;
  }
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new BadRequestException('Request body is empty.');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new BadRequestException(
      `Request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function identify(body: unknown): WebhookIdentity {
  try {
    return identifyWebhook(body);
  } catch (error) {
    if (error instanceof WebhookValidationError) throw new BadRequestException(error.message);
    throw error;
  }
}
