import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobName, QueueName, type JobOf } from '@app/queue';
import { AttachResult, RecordingsService, isRetryable } from './recordings.service';
import { WithJobContext } from '@app/observability';

/** Consumes `call-recordings`: one job per (call, recording kind). */
@Processor(QueueName.Recordings)
export class RecordingsProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(RecordingsProcessor.name);

  constructor(
    private readonly recordings: RecordingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /** `@Processor` options cannot read DI; the worker picks up a new concurrency on its next poll. */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.recordingsConcurrency;
  }

  @WithJobContext()
  async process(job: Job<JobOf<JobName.AttachRecording>>): Promise<AttachResult> {
    if (job.name !== String(JobName.AttachRecording)) {
      throw new UnrecoverableError(`unknown job name ${job.name}`);
    }
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

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(
      `job ${job?.id ?? '?'} (${job?.name ?? '?'}) failed after ${job?.attemptsMade ?? 0} attempt(s): ${error.message}`,
    );
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.error(`worker error: ${error.message}`);
  }
}
