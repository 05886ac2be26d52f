import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { QueueModule } from '@app/queue';
import { CallEventsModule } from './call-events/call-events.module';
import { WorkerOpsModule } from './health/worker-ops.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { RecordingsModule } from './recordings/recordings.module';
import { TranscriptsModule } from './transcripts/transcripts.module';

/** Root module of the worker. Built from a config so tests can run isolated instances. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        WorkerOpsModule.forRoot(config),
        DatabaseModule.forRoot(),
        QueueModule.forWorker(),
        CallEventsModule,
        TranscriptsModule,
        RecordingsModule,
        MaintenanceModule,
      ],
    };
  }
}
