import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BackgroundConnector } from './background-connector';
import { buildDataSourceOptions } from './data-source-options';
import { CallChangesRepository } from './repositories/call-changes.repository';
import { CallEventsRepository } from './repositories/call-events.repository';
import { CallsRepository } from './repositories/calls.repository';
import { OutboxRepository } from './repositories/outbox.repository';
import { ReadTokensRepository } from './repositories/read-tokens.repository';
import { ReconcileStateRepository } from './repositories/reconcile-state.repository';
import { RecordingsRepository } from './repositories/recordings.repository';
import { TenantsRepository } from './repositories/tenants.repository';
import { TranscriptSegmentsRepository } from './repositories/transcript-segments.repository';
import { WebhookCredentialsRepository } from './repositories/webhook-credentials.repository';

const REPOSITORIES = [
  CallsRepository,
  CallEventsRepository,
  TranscriptSegmentsRepository,
  RecordingsRepository,
  CallChangesRepository,
  TenantsRepository,
  WebhookCredentialsRepository,
  ReadTokensRepository,
  OutboxRepository,
  ReconcileStateRepository,
];

/**
 * The TypeORM connection (configured from `APP_CONFIG`, never synchronising) and the
 * repositories, available to every module of the app that imports it once.
 */
@Module({})
export class DatabaseModule {
  /**
   * `connectInBackground`: boot without waiting for Postgres and keep retrying (the api);
   * otherwise boot fails if Postgres cannot be reached (the worker has nothing to do without it).
   */
  static forRoot(options: { connectInBackground?: boolean } = {}): DynamicModule {
    const background = options.connectInBackground ?? false;
    return {
      global: true,
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            ...buildDataSourceOptions(config),
            manualInitialization: background,
          }),
        }),
      ],
      providers: background ? [...REPOSITORIES, BackgroundConnector] : REPOSITORIES,
      exports: [TypeOrmModule, ...REPOSITORIES],
    };
  }
}
