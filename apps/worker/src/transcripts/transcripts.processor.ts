import { Job } from 'bullmq';
import { JobName, QueueName, type JobOf } from '@app/queue';
import { QueueProcessor, QueueWorker } from '../common/queue-processor';
import { TranscriptsService } from './transcripts.service';

/** Consumes `call-transcripts`: one job per end-of-call report. */
@QueueWorker(QueueName.Transcripts, {
  job: JobName.ProcessTranscript,
  concurrency: (config) => config.worker.transcriptsConcurrency,
})
export class TranscriptsProcessor extends QueueProcessor<JobOf<JobName.ProcessTranscript>, void> {
  constructor(private readonly transcripts: TranscriptsService) {
    super();
  }

  handle(job: Job<JobOf<JobName.ProcessTranscript>>): Promise<void> {
    return this.transcripts.processCall(job.data.callId);
  }
}
