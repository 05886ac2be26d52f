import { Module } from '@nestjs/common';
import { TranscriptsModule } from '../transcripts/transcripts.module';
import { CallEventsProcessor } from './call-events.processor';
import { CallEventsService } from './call-events.service';

/** Applies webhook events from the `call-events` queue. */
@Module({
  imports: [TranscriptsModule],
  providers: [CallEventsService, CallEventsProcessor],
})
export class CallEventsModule {}
