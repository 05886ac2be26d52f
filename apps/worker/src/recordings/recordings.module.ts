import { Module } from '@nestjs/common';
import { RecordingsProcessor } from './recordings.processor';
import { RecordingsService } from './recordings.service';

@Module({
  providers: [RecordingsService, RecordingsProcessor],
})
export class RecordingsModule {}
