import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  Inject,
  Logger,
  OnApplicationBootstrap,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@app/config';
import { WithJobContext } from '@app/observability';
import type { JobName, QueueName } from '@app/queue';

/** How a `QueueProcessor` consumes its queue. */
export interface QueueWorkerOptions {
  /** The one job name this queue carries; any other fails at once (UnrecoverableError). */
  job?: JobName;
  /** Worker concurrency from the config (`@Processor` options cannot read DI). */
  concurrency?: (config: AppConfig) => number;
}

const QUEUE_WORKER_OPTIONS = 'vapi-hooks:queue-worker-options';

/**
 * Marks a `QueueProcessor` subclass as the consumer of `queue`: `@Processor(queue)` plus the
 * options the base class applies.
 */
export function QueueWorker(queue: QueueName, options: QueueWorkerOptions = {}): ClassDecorator {
  return applyDecorators(Processor(queue), SetMetadata(QUEUE_WORKER_OPTIONS, options));
}

/**
 * What every consumer of the worker repeats, in one place: concurrency from the config, the
 * job-name check, a log context per job (`WithJobContext`), and logging of failures and worker
 * errors (an `error` listener also keeps ioredis from reporting errors as unhandled). Metrics
 * come from `JobMetricsListener`, which watches every `WorkerHost`. A queue's consumer is then a
 * class with one method:
 *
 *     @QueueWorker(QueueName.X, { job: JobName.Y, concurrency: (c) => c.worker.xConcurrency })
 *     export class XProcessor extends QueueProcessor<JobOf<JobName.Y>> {
 *       constructor(private readonly x: XService) { super(); }
 *       handle(job: Job<JobOf<JobName.Y>>) { return this.x.do(job.data); }
 *     }
 */
export abstract class QueueProcessor<Data = unknown, Result = unknown>
  extends WorkerHost
  implements OnApplicationBootstrap
{
  @Inject(APP_CONFIG) protected readonly config!: AppConfig;
  protected readonly logger = new Logger(this.constructor.name);

  /** Handles one job; throwing fails it (BullMQ retries unless it is an UnrecoverableError). */
  protected abstract handle(job: Job<Data>): Promise<Result>;

  private get options(): QueueWorkerOptions {
    return (Reflect.getMetadata(QUEUE_WORKER_OPTIONS, this.constructor) ??
      {}) as QueueWorkerOptions;
  }

  /** The worker picks up a new concurrency on its next poll. */
  onApplicationBootstrap(): void {
    const concurrency = this.options.concurrency?.(this.config);
    if (concurrency !== undefined) this.worker.concurrency = concurrency;
  }

  @WithJobContext()
  async process(job: Job<Data>): Promise<Result> {
    const { job: name } = this.options;
    if (name !== undefined && job.name !== String(name)) {
      throw new UnrecoverableError(`unknown job name ${job.name}`);
    }
    return this.handle(job);
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
