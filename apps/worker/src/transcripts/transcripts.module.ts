import { Module } from '@nestjs/common';
import { TranscriptsProcessor } from './transcripts.processor';
import { TranscriptsService } from './transcripts.service';

@Module({
  providers: [TranscriptsService, TranscriptsProcessor],
  exports: [TranscriptsService],
})
export class TranscriptsModule {}
