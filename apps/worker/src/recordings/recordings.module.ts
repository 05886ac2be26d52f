import { Module } from '@nestjs/common';
import { RecordingsProcessor } from './recordings.processor';
import { RecordingsService } from './recordings.service';

/** Downloads call recordings from the `call-recordings` queue. */
@Module({
  providers: [RecordingsService, RecordingsProcessor],
})
export class RecordingsModule {}
