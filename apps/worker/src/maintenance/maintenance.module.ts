import { Module } from '@nestjs/common';
import { CallsService } from '../calls/calls.service';
import { TranscriptsModule } from '../transcripts/transcripts.module';
import { MaintenanceProcessor } from './maintenance.processor';
import { MaintenanceScheduler } from './maintenance.scheduler';
import { PayloadRetentionService } from './payload-retention.service';
import { ReconcileService } from './reconcile.service';
import { ReplayService } from './replay.service';
import { VapiApiClient } from './vapi-api.client';

/**
 * The maintenance services without any BullMQ consumer, for the CLI (which must not take jobs
 * off queues). They need `TranscriptsService`, the database and the queues; replay folds events
 * through `CallsService`, the same code the worker applies them with.
 */
export const MAINTENANCE_SERVICES = [
  CallsService,
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
