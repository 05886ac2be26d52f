import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, hasWebhookAuth } from '@app/config';
import { ApiModule } from './api.module';

/**
 * Builds the api on Fastify. JSON bodies are kept as raw bytes (`req.rawBody`) and parsed only
 * after authentication: signatures are checked over exactly what VAPI sent, and an
 * unauthenticated request never costs a JSON parse.
 */
export async function createApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const logger = new Logger('Bootstrap');
  if (!hasWebhookAuth(config)) {
    if (config.env === 'production') {
      throw new Error(
        'No webhook secret is configured (VAPI_WEBHOOK_SECRET, VAPI_WEBHOOK_BEARER_TOKEN or VAPI_WEBHOOK_HMAC_SECRET); refusing to start in production.',
      );
    }
    logger.warn('No webhook secret is configured: every request to /api/webhook/vapi is accepted.');
  }

  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    routerOptions: { ignoreTrailingSlash: true },
    trustProxy: true,
  });
  const fastify = adapter.getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    ['application/json', /^application\/[\w.+-]*\+json$/],
    { parseAs: 'buffer' },
    (req, body, done) => {
      (req as unknown as { rawBody: Buffer }).rawBody = body as Buffer;
      done(null, body);
    },
  );

  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bodyParser: false,
    bufferLogs: true,
  });
  app.setGlobalPrefix('api', { exclude: ['health', 'health/(.*)', 'metrics'] });
  app.enableShutdownHooks();
  return app;
}
