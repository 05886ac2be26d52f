import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { CallEventsProcessor } from './call-events.processor';
import { CallEventsService } from './call-events.service';

/** Applies webhook events from the `call-events` queue, in batches. */
@Module({
  imports: [CallsModule],
  providers: [CallEventsService, CallEventsProcessor],
})
export class CallEventsModule {}
