import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@app/config';
import { buildDataSourceOptions } from './data-source-options';
import { CallEventsRepository } from './repositories/call-events.repository';
import { CallsRepository } from './repositories/calls.repository';
import { RecordingsRepository } from './repositories/recordings.repository';
import { TranscriptSegmentsRepository } from './repositories/transcript-segments.repository';

const REPOSITORIES = [
  CallsRepository,
  CallEventsRepository,
  TranscriptSegmentsRepository,
  RecordingsRepository,
];

/**
 * The TypeORM connection (configured from `APP_CONFIG`, never synchronising) and the
 * repositories, available to every module of the app that imports it once.
 */
@Module({})
export class DatabaseModule {
  static forRoot(): DynamicModule {
    return {
      global: true,
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => buildDataSourceOptions(config),
        }),
      ],
      providers: REPOSITORIES,
      exports: [TypeOrmModule, ...REPOSITORIES],
    };
  }
}
