import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@app/config';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { VapiWebhookModule } from './vapi-webhook/vapi-webhook.module';

/** Root module of the HTTP api. Built from a config so tests can run isolated instances. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(config), VapiWebhookModule],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
