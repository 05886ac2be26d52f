import { Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName, type JobOf } from '@app/queue';
import { QueueProcessor, QueueWorker } from '../common/queue-processor';
import { AttachResult, RecordingsService, isRetryable } from './recordings.service';

/** Consumes `call-recordings`: one job per (call, recording kind). */
@QueueWorker(QueueName.Recordings, {
  job: JobName.AttachRecording,
  concurrency: (config) => config.worker.recordingsConcurrency,
})
export class RecordingsProcessor extends QueueProcessor<
  JobOf<JobName.AttachRecording>,
  AttachResult
> {
  constructor(private readonly recordings: RecordingsService) {
    super();
  }

  async handle(job: Job<JobOf<JobName.AttachRecording>>): Promise<AttachResult> {
    const { callId, kind, url } = job.data;
    // attemptsMade counts finished attempts, so this one is the last when it reaches the limit.
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      return await this.recordings.attach(callId, kind, url, { final });
    } catch (error) {
      // The recording is already marked failed; spare the queue retries that cannot succeed.
      if (!isRetryable(error)) throw new UnrecoverableError((error as Error).message);
      throw error;
    }
  }
}
