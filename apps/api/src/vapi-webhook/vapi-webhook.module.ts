import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { QueueModule } from '@app/queue';
import { OutboxModule } from '../outbox/outbox.module';
import { VapiResponderService } from './vapi-responder.service';
import { VapiWebhookController } from './vapi-webhook.controller';
import { VapiWebhookGuard } from './vapi-webhook.guard';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhookVerifier } from './webhook-verifier';

@Module({
  imports: [QueueModule.forProducer(), OutboxModule],
  controllers: [VapiWebhookController],
  providers: [
    {
      provide: WebhookVerifier,
      useFactory: (config: AppConfig) => new WebhookVerifier(config.auth),
      inject: [APP_CONFIG],
    },
    VapiWebhookGuard,
    VapiResponderService,
    WebhookIntakeService,
  ],
})
export class VapiWebhookModule {}
