import { Job, UnrecoverableError } from 'bullmq';
import { JobName, QueueName, type JobOf } from '@app/queue';
import { QueueProcessor, QueueWorker } from '../common/queue-processor';
import { PayloadRetentionService, type PurgeReport } from './payload-retention.service';
import { ReconcileService, type ReconcileReport } from './reconcile.service';
import { ReplayService, type ReplayReport } from './replay.service';

/**
 * Consumes `maintenance`: payload retention and reconciliation (from their job schedulers) and
 * admin replay requests. Each job returns its report, which Bull Board shows.
 */
@QueueWorker(QueueName.Maintenance)
export class MaintenanceProcessor extends QueueProcessor<
  unknown,
  PurgeReport | ReplayReport | ReconcileReport
> {
  constructor(
    private readonly retention: PayloadRetentionService,
    private readonly replay: ReplayService,
    private readonly reconcile: ReconcileService,
  ) {
    super();
  }

  async handle(job: Job): Promise<PurgeReport | ReplayReport | ReconcileReport> {
    switch (job.name) {
      case String(JobName.PurgePayloads):
        return this.retention.purge();
      case String(JobName.Replay): {
        const data = job.data as JobOf<JobName.Replay>;
        return this.replay.replay(
          {
            callIds: data.callIds,
            from: data.from === undefined ? undefined : new Date(data.from),
            to: data.to === undefined ? undefined : new Date(data.to),
          },
          {
            rederive: data.rederive,
            followups: data.followups,
            force: data.force,
            // The job's own time: a retried job re-adds the same follow-up ids (deduplicated).
            requestedAt: job.timestamp,
          },
        );
      }
      case String(JobName.ReconcileCalls): {
        if (!this.reconcile.enabled) throw new UnrecoverableError('VAPI_API_KEY is not set');
        const data = job.data as JobOf<JobName.ReconcileCalls>;
        return this.reconcile.reconcile({ callIds: data.callIds });
      }
      default:
        throw new UnrecoverableError(`unknown job name ${job.name}`);
    }
  }
}
