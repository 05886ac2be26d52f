import { Module } from '@nestjs/common';
import { TranscriptsProcessor } from './transcripts.processor';
import { TranscriptsService } from './transcripts.service';

/** Builds call transcripts; its service is shared with call-events. */
@Module({
  providers: [TranscriptsService, TranscriptsProcessor],
  exports: [TranscriptsService],
})
export class TranscriptsModule {}
