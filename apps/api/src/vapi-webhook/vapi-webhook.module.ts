import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { APP_CONFIG, AppConfig } from '@app/config';
import { QueueModule } from '@app/queue';
import { VapiResponderService } from './vapi-responder.service';
import { VapiWebhookController } from './vapi-webhook.controller';
import { VapiWebhookRoute } from './vapi-webhook.route';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhookVerifier } from './webhook-verifier';

/**
 * The webhook intake. POST is a Fastify route added here (see `VapiWebhookRoute` for why it is
 * not a controller method); the controller only refuses the other verbs.
 */
@Module({
  imports: [QueueModule.forProducer()],
  controllers: [VapiWebhookController],
  providers: [
    {
      provide: WebhookVerifier,
      useFactory: (config: AppConfig) => new WebhookVerifier(config.auth),
      inject: [APP_CONFIG],
    },
    VapiResponderService,
    WebhookIntakeService,
    VapiWebhookRoute,
  ],
})
export class VapiWebhookModule implements OnModuleInit {
  constructor(
    private readonly host: HttpAdapterHost,
    private readonly route: VapiWebhookRoute,
  ) {}

  // Runs after Nest has mapped the controllers and before Fastify is ready, when routes may
  // still be added; the app's content-type parser, hooks and error handler apply to it.
  onModuleInit(): void {
    this.route.register(this.host.httpAdapter.getInstance<FastifyInstance>());
  }
}
