import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logRequestCompletion } from '@app/observability';
import { WebhookValidationError, identifyWebhook, type WebhookIdentity } from '@app/vapi';
import { DEFAULT_TENANT_ID } from '@app/database';
import {
  IntakeMetricsService,
  TENANT_WEBHOOK_ROUTE,
  WEBHOOK_ROUTE,
} from '../metrics/intake-metrics.service';
import { TenantWebhookAuth, type TenantWebhookOutcome } from '../tenancy/tenant-webhook-auth';
import { VapiResponderService } from './vapi-responder.service';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhookVerifier, type VerifyInput } from './webhook-verifier';

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
    private readonly tenantAuth: TenantWebhookAuth,
  ) {}

  /**
   * `/api/webhook/vapi` serves the default tenant (today's single-organisation URL);
   * `/api/webhook/vapi/:tenant` serves the tenant it names, with that tenant's credentials.
   */
  register(fastify: FastifyInstance): void {
    // Also for 413 and 415, which Fastify answers before the handler.
    const onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
      logRequestCompletion(request, reply);
      done();
    };
    fastify.route({
      method: 'POST',
      url: WEBHOOK_ROUTE,
      handler: (request) => this.receive(request, DEFAULT_TENANT_ID),
      onResponse,
    });
    fastify.route<{ Params: { tenant: string } }>({
      method: 'POST',
      url: TENANT_WEBHOOK_ROUTE,
      handler: (request) => this.receive(request, request.params.tenant),
      onResponse,
    });
  }

  async receive(request: FastifyRequest, tenantId: string): Promise<Record<string, unknown>> {
    const receivedAt = new Date();
    // The app's JSON content-type parser hands the body over as the raw bytes.
    const raw = Buffer.isBuffer(request.body) ? request.body : EMPTY;
    // Authenticated before anything parses the body: an unauthenticated caller never costs a parse.
    await this.authenticate(tenantId, {
      rawBody: raw,
      headers: request.headers,
      method: request.method,
      url: request.url,
    });
    const text = raw.toString('utf8');
    const body = parseJson(text);
    const identity = identify(body, text);
    this.metrics.noteMessageKind(request, identity.kind);
    if (!this.responder.expectsAnswer(identity)) {
      await this.intake.accept(identity, body, receivedAt, tenantId);
      return {};
    }
    // VAPI is waiting on the answer (a caller may be on the line). Recording the message must
    // not cost the caller the answer, so an enqueue failure here is logged, not returned. The
    // stored copy is redacted apart from the body the answer is computed from.
    const [answer] = await Promise.all([
      this.responder.answer(identity, body),
      this.intake
        .accept(identity, structuredClone(body), receivedAt, tenantId)
        .catch((error: unknown) => this.intake.reportLostRecord(identity, error, request.id)),
    ]);
    return answer;
  }

  /**
   * The default tenant's environment secrets are checked first, synchronously and without
   * Postgres (webhooks keep flowing while it is down); only what they do not accept goes to the
   * tenant registry, which adds stored credentials and serves every other tenant. When the
   * registry cannot answer for the default tenant, the environment decides, as before tenants:
   * 401 for a wrong secret, open when none is configured (development only: production refuses
   * to boot without one).
   */
  private async authenticate(tenantId: string, input: VerifyInput): Promise<void> {
    const fromEnv = tenantId === DEFAULT_TENANT_ID ? this.verifier.verify(input) : undefined;
    if (fromEnv?.ok && this.verifier.enabled) return;
    const outcome = await this.tenantAuth.verify(tenantId, input);
    if (outcome.ok) return;
    if (fromEnv !== undefined && outcome.status === 503) {
      if (fromEnv.ok) return;
      this.metrics.countAuthFailure(fromEnv.mode);
      throw new UnauthorizedException(fromEnv.reason);
    }
    this.metrics.countAuthFailure(outcome.mode);
    throw refusal(outcome);
  }
}

function refusal(outcome: Extract<TenantWebhookOutcome, { ok: false }>): HttpException {
  switch (outcome.status) {
    case 404:
      return new NotFoundException(outcome.reason);
    case 403:
      return new ForbiddenException(outcome.reason);
    case 503:
      return new ServiceUnavailableException(outcome.reason);
    default:
      return new UnauthorizedException(outcome.reason);
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) throw new BadRequestException('Request body is empty.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadRequestException(
      `Request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function identify(body: unknown, text: string): WebhookIdentity {
  try {
    return identifyWebhook(body, text);
  } catch (error) {
    if (error instanceof WebhookValidationError) throw new BadRequestException(error.message);
    throw error;
  }
}
