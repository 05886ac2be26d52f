import { Module } from '@nestjs/common';
import { CallsService } from './calls.service';

/** The one writer of call rows: folds events into calls (call-events, transcripts, replay). */
@Module({
  providers: [CallsService],
  exports: [CallsService],
})
export class CallsModule {}
