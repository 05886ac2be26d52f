import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { MAINTENANCE_SERVICES } from '../../worker/src/maintenance/maintenance.module';
import { TranscriptsService } from '../../worker/src/transcripts/transcripts.service';

/**
 * What the maintenance commands run on: the worker's maintenance services with the database
 * and the queues as a producer. No processor is provided, so the CLI never takes jobs.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(), QueueModule.forProducer()],
      providers: [TranscriptsService, ...MAINTENANCE_SERVICES],
    };
  }
}
