import { Module } from '@nestjs/common';
import { CallsModule } from '../calls/calls.module';
import { TranscriptsProcessor } from './transcripts.processor';
import { TranscriptsService } from './transcripts.service';

/** Builds call transcripts. */
@Module({
  imports: [CallsModule],
  providers: [TranscriptsService, TranscriptsProcessor],
  exports: [TranscriptsService],
})
export class TranscriptsModule {}
