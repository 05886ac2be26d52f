import { Module } from '@nestjs/common';
import { TranscriptsModule } from '../transcripts/transcripts.module';
import { MaintenanceProcessor } from './maintenance.processor';
import { MaintenanceScheduler } from './maintenance.scheduler';
import { PayloadRetentionService } from './payload-retention.service';
import { ReconcileService } from './reconcile.service';
import { ReplayService } from './replay.service';
import { VapiApiClient } from './vapi-api.client';

/**
 * The maintenance services without any BullMQ consumer, for the CLI (which must not take jobs
 * off queues). They need `TranscriptsService`, the database and the queues.
 */
export const MAINTENANCE_SERVICES = [
  PayloadRetentionService,
  ReplayService,
  ReconcileService,
  VapiApiClient,
];

/** Replay, payload retention and reconciliation on the `maintenance` queue, and their schedules. */
@Module({
  imports: [TranscriptsModule],
  providers: [...MAINTENANCE_SERVICES, MaintenanceProcessor, MaintenanceScheduler],
})
export class MaintenanceModule {}
