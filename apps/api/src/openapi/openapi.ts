import type { INestApplication } from '@nestjs/common';
import {
  ApiBasicAuth,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { OperationObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { AdminController } from '../admin/admin.controller';
import { CallListDto, CallDetailDto } from '../calls/call-view.dto';
import { CallsController } from '../calls/calls.controller';
import { HealthController } from '../health/health.controller';
import { MetricsController } from '../metrics/metrics.controller';
import { BOARD_ROUTE } from '../queue-board/board-auth.hook';
import { VapiWebhookController } from '../vapi-webhook/vapi-webhook.controller';
import { WEBHOOK_REQUEST_EXAMPLES, WEBHOOK_RESPONSE_EXAMPLES } from './webhook-examples';

/** Where the document and its docs page are served (outside Nest's router). */
export const OPENAPI_JSON_PATH = '/api/openapi.json';
export const OPENAPI_DOCS_PATH = '/api/docs';

/** The webhook path; documented here whether a Nest controller or a raw Fastify route serves it. */
const WEBHOOK_PATH = '/api/webhook/vapi';

type Method = (...args: never[]) => unknown;

/** Applies method decorators to a handler of a controller this folder does not own. */
function decorate<T extends object>(
  controller: { prototype: T },
  method: keyof T & string,
  ...decorators: MethodDecorator[]
): void {
  const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, method);
  if (descriptor === undefined || typeof descriptor.value !== 'function') {
    throw new Error(`OpenAPI: ${method} is not a handler`);
  }
  for (const d of decorators)
    d(controller.prototype, method, descriptor as TypedPropertyDescriptor<Method>);
}

/**
 * The contract of the read API, the admin endpoints and the webhook lives in this folder, so
 * the other features' controllers stay as they are: their tags, auth and response types are
 * attached here, once, before the document is generated.
 */
let described = false;
function describeOtherControllers(): void {
  if (described) return;
  described = true;
  ApiTags('calls')(CallsController);
  ApiBearerAuth('read-token')(CallsController);
  decorate(
    CallsController,
    'list',
    ApiOperation({ summary: 'List calls, newest first' }),
    ApiOkResponse({ type: CallListDto }),
  );
  decorate(
    CallsController,
    'findOne',
    ApiOperation({ summary: 'One call: status, analysis, recordings, transcript, timeline' }),
    ApiOkResponse({ type: CallDetailDto }),
    ApiResponse({ status: 404, description: 'No such call (or not visible to this token).' }),
  );

  ApiTags('admin')(AdminController);
  ApiBasicAuth('admin')(AdminController);
  decorate(
    AdminController,
    'replay',
    ApiOperation({
      summary: 'Replay stored events of calls through the fold',
      description:
        'Enqueues `replay` jobs on the maintenance queue (one per call, one for the range). Fields may also come from the query string.',
    }),
    ApiBody({
      required: false,
      schema: {
        type: 'object',
        properties: {
          callIds: { type: 'array', items: { type: 'string' } },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          rederive: { type: 'boolean' },
          followups: { type: 'boolean' },
          force: { type: 'boolean' },
        },
        example: { callIds: ['c0ffee42-1d2e-4f3a-8b9c-0d1e2f3a4b5c'], rederive: true },
      },
    }),
    ApiResponse({
      status: 202,
      description: 'Accepted: the maintenance jobs that will do the work.',
      schema: {
        type: 'object',
        properties: {
          queue: { type: 'string' },
          jobIds: { type: 'array', items: { type: 'string' } },
        },
      },
    }),
    ApiResponse({ status: 400, description: 'Bad request (what is wrong).' }),
    ApiResponse({ status: 503, description: 'The queue is unavailable.' }),
  );

  ApiTags('webhook')(VapiWebhookController);
  for (const verb of ['rejectGet', 'rejectPut', 'rejectPatch', 'rejectDelete'] as const) {
    decorate(
      VapiWebhookController,
      verb,
      ApiOperation({ summary: 'Not allowed: VAPI delivers with POST' }),
      ApiResponse({ status: 405, description: 'Method not allowed (Allow: POST).' }),
    );
  }

  ApiTags('ops')(HealthController);
  decorate(HealthController, 'live', ApiOperation({ summary: 'Liveness (no dependency checked)' }));
  decorate(
    HealthController,
    'ready',
    ApiOperation({ summary: 'Readiness: Postgres and Redis answer' }),
    ApiResponse({ status: 503, description: 'A dependency is down, or the api is draining.' }),
  );
  ApiTags('ops')(MetricsController);
  decorate(
    MetricsController,
    'index',
    ApiOperation({ summary: 'Prometheus metrics' }),
    ApiProduces('text/plain'),
  );
}

/** The webhook POST, with an example of every message type from the fixtures. */
function webhookOperation(): OperationObject {
  const examples = Object.fromEntries(
    Object.entries(WEBHOOK_REQUEST_EXAMPLES).map(([type, [file, value]]) => [
      type.replace(/[^A-Za-z0-9_.-]/g, '_'),
      { summary: `${type} (${file})`, value },
    ]),
  );
  const answers = Object.fromEntries(
    Object.entries(WEBHOOK_RESPONSE_EXAMPLES).map(([type, [file, value]]) => [
      type,
      { summary: `answer to ${type} (${file})`, value },
    ]),
  );
  return {
    tags: ['webhook'],
    operationId: 'receiveVapiWebhook',
    summary: 'Receive a VAPI server message',
    description:
      'Verified on the raw body (secret header, bearer or HMAC, whichever are configured), validated, normalised and queued; 200 only once durable. Messages VAPI waits on (assistant-request, tool-calls, transfer-destination-request) are answered inline; every other type gets `{}`. Both formats are accepted: `{"message": {"type": ...}}` and the legacy `{"type": "call.started", "call": {...}}`.',
    security: [{ 'vapi-secret': [] }, { 'vapi-bearer': [] }, { 'vapi-hmac': [] }],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            oneOf: [
              {
                type: 'object',
                required: ['message'],
                properties: {
                  message: {
                    type: 'object',
                    required: ['type'],
                    properties: {
                      type: {
                        type: 'string',
                        example: 'status-update',
                        description:
                          'status-update, transcript, conversation-update, speech-update, hang, user-interrupted, tool-calls, transfer-destination-request, assistant-request, end-of-call-report, …',
                      },
                      timestamp: { type: 'number', description: 'epoch ms' },
                      call: { type: 'object', properties: { id: { type: 'string' } } },
                    },
                    additionalProperties: true,
                  },
                },
              },
              {
                type: 'object',
                required: ['type'],
                properties: {
                  type: { type: 'string', example: 'call.started' },
                  call: { type: 'object', properties: { id: { type: 'string' } } },
                },
                additionalProperties: true,
              },
            ],
          },
          examples,
        },
      },
    },
    responses: {
      '200': {
        description: 'Durable (queued); the body is `{}` or the answer VAPI waits on.',
        content: { 'application/json': { schema: { type: 'object' }, examples: answers } },
      },
      '400': { description: 'Not JSON, or not a VAPI message (what is wrong).' },
      '401': { description: 'Missing or wrong webhook credential.' },
      '413': { description: 'Body over WEBHOOK_BODY_LIMIT_BYTES.' },
      '415': { description: 'Not application/json.' },
      '503': { description: 'The queue is unavailable: not durable, VAPI should retry.' },
    },
  };
}

/**
 * Generates the OpenAPI 3 document of the api from its controllers and DTOs, then adds what
 * Nest's router does not serve: the webhook POST when served by Fastify directly (merged when
 * a controller has it), Bull Board and this document itself.
 */
export function buildOpenApiDocument(app: INestApplication, version = '1'): OpenAPIObject {
  describeOtherControllers();
  const config = new DocumentBuilder()
    .setTitle('vapi-hooks')
    .setDescription(
      'Receives VAPI server messages and keeps durable call records: the webhook, the read API over calls (with live streams and recordings), admin operations and probes.',
    )
    .setVersion(version)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'A read token (API_TOKENS or `tokens create`).',
      },
      'read-token',
    )
    .addCookieAuth(
      'vapi_stream_ticket',
      { type: 'apiKey', in: 'cookie', description: 'Set by POST /api/stream/tickets.' },
      'stream-ticket',
    )
    .addBasicAuth(
      { type: 'http', scheme: 'basic', description: 'ADMIN_USERNAME / ADMIN_PASSWORD.' },
      'admin',
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-vapi-secret' }, 'vapi-secret')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'authorization',
        description: 'VAPI_WEBHOOK_BEARER_TOKEN (header configurable).',
      },
      'vapi-bearer',
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'x-signature',
        description: 'HMAC of the body (VAPI_WEBHOOK_HMAC_*).',
      },
      'vapi-hmac',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '')}_${method}`,
  });

  const webhook = (document.paths[WEBHOOK_PATH] ??= {});
  webhook.post = { ...webhook.post, ...webhookOperation() };
  const tenantWebhook = (document.paths[`${WEBHOOK_PATH}/{tenant}`] ??= {});
  const perTenant = webhookOperation();
  tenantWebhook.post = {
    ...tenantWebhook.post,
    ...perTenant,
    operationId: 'receiveTenantVapiWebhook',
    summary:
      "Receive a VAPI server message for one tenant (verified with that tenant's credentials)",
    parameters: [{ name: 'tenant', in: 'path', required: true, schema: { type: 'string' } }],
    responses: {
      ...perTenant.responses,
      '403': { description: 'The tenant is disabled.' },
      '404': { description: 'No such tenant.' },
    },
  };

  document.paths[BOARD_ROUTE] = {
    get: {
      tags: ['admin'],
      operationId: 'bullBoard',
      summary:
        'Bull Board: the queues, their jobs and failures (HTML UI and its JSON API below this path)',
      security: [{ admin: [] }],
      responses: {
        '200': { description: 'The board.' },
        '401': { description: 'Wrong or missing credentials.' },
      },
    },
  };
  document.paths[OPENAPI_JSON_PATH] = {
    get: {
      tags: ['docs'],
      operationId: 'openApiDocument',
      summary: 'This document',
      responses: { '200': { description: 'OpenAPI 3 JSON.' } },
    },
  };
  document.paths[OPENAPI_DOCS_PATH] = {
    get: {
      tags: ['docs'],
      operationId: 'openApiDocs',
      summary: 'The docs page (Swagger UI) for this document',
      responses: { '200': { description: 'HTML.' } },
    },
  };
  return document;
}

/** Serves the document at `/api/openapi.json` and Swagger UI at `/api/docs`. */
export function setupOpenApi(app: INestApplication, version?: string): OpenAPIObject {
  const document = buildOpenApiDocument(app, version);
  SwaggerModule.setup(OPENAPI_DOCS_PATH.slice(1), app, document, {
    jsonDocumentUrl: OPENAPI_JSON_PATH.slice(1),
    raw: ['json'],
    customSiteTitle: 'vapi-hooks API',
  });
  return document;
}
