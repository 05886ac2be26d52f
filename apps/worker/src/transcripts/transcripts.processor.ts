import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobName, QueueName, type JobOf } from '@app/queue';
import { TranscriptsService } from './transcripts.service';
import { WithJobContext } from '@app/observability';

/** Consumes `call-transcripts`: one job per end-of-call report. */
@Processor(QueueName.Transcripts)
export class TranscriptsProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(TranscriptsProcessor.name);

  constructor(
    private readonly transcripts: TranscriptsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /** `@Processor` options cannot read DI; the worker picks up a new concurrency on its next poll. */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.transcriptsConcurrency;
  }

  @WithJobContext()
  async process(job: Job<JobOf<JobName.ProcessTranscript>>): Promise<void> {
    if (job.name !== String(JobName.ProcessTranscript)) {
      throw new UnrecoverableError(`unknown job name ${job.name}`);
    }
    await this.transcripts.processCall(job.data.callId);
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
