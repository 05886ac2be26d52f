import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { JobName, QueueName, type JobOf } from '@app/queue';
import { CallEventsService } from './call-events.service';
import { WithJobContext } from '@app/observability';

/** Consumes `call-events`: one job per accepted webhook. */
@Processor(QueueName.CallEvents)
export class CallEventsProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(CallEventsProcessor.name);

  constructor(
    private readonly callEvents: CallEventsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  /** `@Processor` options cannot read DI; the worker picks up a new concurrency on its next poll. */
  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.worker.eventsConcurrency;
  }

  @WithJobContext()
  async process(job: Job<JobOf<JobName.ApplyCallEvent>>): Promise<void> {
    if (job.name !== String(JobName.ApplyCallEvent)) {
      throw new UnrecoverableError(`unknown job name ${job.name}`);
    }
    await this.callEvents.apply(job.data);
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
