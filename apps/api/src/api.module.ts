import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggingOptions, loggerModule } from '@app/observability';
import { AdminModule } from './admin/admin.module';
import { CallsModule } from './calls/calls.module';
import { ConsoleModule } from './console/console.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { ShutdownDrainService } from './common/shutdown-drain.service';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueueBoardModule } from './queue-board/queue-board.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { VapiWebhookModule } from './vapi-webhook/vapi-webhook.module';

/** Root module of the HTTP api. Built from a config so tests can run isolated instances. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, logging: LoggingOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        loggerModule(config, 'api', logging),
        DatabaseModule.forRoot({ connectInBackground: true }),
        TenancyModule,
        VapiWebhookModule,
        CallsModule,
        ConsoleModule,
        HealthModule,
        MetricsModule,
        QueueBoardModule.forRoot(config),
        AdminModule.forRoot(config),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }, ShutdownDrainService],
    };
  }
}
