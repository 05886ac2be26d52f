import { Job } from 'bullmq';
import { JobName, QueueName, type JobOf } from '@app/queue';
import { Batcher } from '../common/batcher';
import { QueueProcessor, QueueWorker } from '../common/queue-processor';
import { ApplyResult, CallEventsService } from './call-events.service';

type Delivery = JobOf<JobName.ApplyCallEvent>;

/**
 * Consumes `call-events`: one job per accepted webhook, applied in batches.
 *
 * Why concurrency feeding an in-process batcher, rather than fetching jobs by hand: the worker
 * holds up to WORKER_EVENTS_CONCURRENCY jobs at once; each `handle` hands its job to the batcher
 * and awaits its own outcome, and a batch is cut at WORKER_EVENTS_BATCH_SIZE jobs or
 * WORKER_EVENTS_BATCH_MS after its first job, whichever comes first; at most
 * WORKER_EVENTS_BATCHES_IN_FLIGHT batches run at once, and while they do the next one keeps
 * growing, so a loaded worker commits few large transactions instead of many small ones that
 * queue on the same row locks and the feed lock. Everything BullMQ does
 * per job stays BullMQ's: fetching (with the next job returned by the previous completion),
 * lock renewal, stalled-job recovery, retries with backoff, the failed set with each job's own
 * reason, metrics events and a graceful `close()` that waits for the batch in flight. It is
 * plain `Worker` API, so it runs unchanged on any BullMQ backend (Redis or PostgreSQL).
 * Manual fetching (`getNextJob` + `moveToCompleted` loops) would have to re-implement all of
 * that, and is tied to how a backend hands out jobs. The price is one fetch and one completion
 * round trip per job, which BullMQ keeps cheap; concurrency must exceed the batch size so the
 * next batch gathers while one commits (the default is twice).
 */
@QueueWorker(QueueName.CallEvents, {
  job: JobName.ApplyCallEvent,
  concurrency: (config) => config.worker.eventsConcurrency,
})
export class CallEventsProcessor extends QueueProcessor<Delivery, ApplyResult> {
  private batcher: Batcher<Delivery, ApplyResult> | undefined;

  constructor(private readonly callEvents: CallEventsService) {
    super();
  }

  handle(job: Job<Delivery>): Promise<ApplyResult> {
    this.batcher ??= new Batcher((items) => this.callEvents.applyMany(items), {
      maxSize: this.config.worker.eventsBatchSize,
      maxWaitMs: this.config.worker.eventsBatchMs,
      maxInFlight: this.config.worker.eventsBatchesInFlight,
    });
    return this.batcher.add(job.data);
  }
}
