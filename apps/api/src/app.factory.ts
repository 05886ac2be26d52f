import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as JsonLogger } from 'nestjs-pino';
import { AppConfig, hasWebhookAuth } from '@app/config';
import { LoggingOptions, echoRequestId, requestIdOf } from '@app/observability';
import { ApiModule } from './api.module';
import { setupOpenApi } from './openapi/openapi';
import { checkReadApiProtection } from './tenancy/read-api-protection';

/**
 * Builds the api on Fastify. JSON bodies are kept as raw bytes (`req.rawBody`) and parsed only
 * after authentication: signatures are checked over exactly what VAPI sent, and an
 * unauthenticated request never costs a JSON parse. Logs are JSON lines (`logging` lets tests
 * capture them).
 */
export async function createApiApp(
  config: AppConfig,
  logging: LoggingOptions = {},
): Promise<NestFastifyApplication> {
  if (!hasWebhookAuth(config) && config.env === 'production') {
    throw new Error(
      'No webhook secret is configured (VAPI_WEBHOOK_SECRET, VAPI_WEBHOOK_BEARER_TOKEN or VAPI_WEBHOOK_HMAC_SECRET); refusing to start in production.',
    );
  }
  const readApi = await checkReadApiProtection(config);
  if (readApi.refuse !== undefined) throw new Error(readApi.refuse);

  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: true,
    // Fastify's request.id is the logged reqId: the caller's x-request-id if sane, else a UUID.
    genReqId: requestIdOf,
  });
  const fastify = adapter.getInstance();
  fastify.addHook('onRequest', echoRequestId);
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (req, body: Buffer, done) => {
      (req as unknown as { rawBody: Buffer }).rawBody = body;
      done(null, body);
    },
  );

  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot(config, logging),
    adapter,
    {
      bodyParser: false,
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(JsonLogger));
  // Nest would flush the boot lines only on listen(); tests and init-only callers never listen.
  app.flushLogs();
  // Logged only now so that these lines, like every other, are JSON.
  const logger = new Logger('Bootstrap');
  if (!hasWebhookAuth(config)) {
    logger.warn('No webhook secret is configured: every request to /api/webhook/vapi is accepted.');
  }
  if (readApi.warn !== undefined) logger.warn(readApi.warn);
  app.setGlobalPrefix('api', {
    exclude: [
      'health',
      'health/{*path}',
      'metrics',
      'admin/queues',
      'console',
      'console/{*path}',
      '/',
    ],
  });
  // After the prefix: the document's paths include it.
  setupOpenApi(app);
  app.enableShutdownHooks();
  return app;
}
